# Django's English formats, plus a time typed as an hour alone ("8" is 8:00) or the Finnish way.
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M", "%H.%M", "%H"]
