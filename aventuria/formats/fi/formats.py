# Django's Finnish formats, plus a time typed as an hour alone ("8" is 8.00) and with a colon,
# as people type them; what is not set here comes from Django's own Finnish formats.
TIME_INPUT_FORMATS = ["%H.%M.%S", "%H.%M.%S.%f", "%H.%M", "%H:%M", "%H"]
