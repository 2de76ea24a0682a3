"""The practice's content as of the site's launch, in Finnish (the source, from
docs/content/tyonohjaus-fi.txt) and English. Henna edits all of it in the admin afterwards."""

from django.db import migrations

PRACTICE = {
    "name": "Aventuria ohjaus & terapia",
    "district": "Kotkansaari",
    "postal_code": "48100",
    "city": "Kotka",
    "email": "henna@aventuria.fi",
    "phone": "045 7835 4299",
    "business_id": "1926008-0",
    "reply_time": {
        "fi": "yleensä kahden arkipäivän kuluessa",
        "en": "usually within two working days",
    },
    "area_served": {
        "fi": "Kotka ja Kymenlaakso, etätapaamiset koko Suomessa",
        "en": "Kotka and the Kymenlaakso region, remote sessions across Finland",
    },
}

SERVICE = {
    "slug": "tyonohjaus",
    "is_main": True,
    "published": True,
    "title": {"fi": "Työnohjaus", "en": "Work supervision"},
    "headline": {
        "fi": "Työnohjaus tukee työssä jaksamista ja kehittymistä",
        "en": "Work supervision supports well-being and growth at work",
    },
    "lead": {
        "fi": (
            "Työnohjaus auttaa työntekijää vahvistamaan omaa osaamistaan, motivaatiotaan ja "
            "työssä jaksamistaan sekä oppimaan uusia toimintatapoja omaan työhön. Työnohjauksen "
            "avulla työntekijän tai koko työyhteisön osaaminen saadaan tehokkaasti käyttöön ja "
            "suuntautumaan työn kannalta merkityksellisiin asioihin."
        ),
        "en": (
            "Work supervision helps employees strengthen their skills, motivation and "
            "well-being at work, and learn new ways of approaching their own work. Through "
            "supervision, the expertise of an individual employee or a whole work community is "
            "put to effective use and focused on what matters most in the work."
        ),
    },
    "goals_intro": {
        "fi": (
            "Työnohjauksen alussa työntekijä määrittelee itse omat tavoitteet ohjaukselle. "
            "Niitä voivat olla esimerkiksi"
        ),
        "en": (
            "At the start of supervision, employees set their own goals for it. "
            "These might include, for example:"
        ),
    },
    "duration_heading": {"fi": "Ohjausprosessin kesto", "en": "How long the process lasts"},
    "duration_text": {
        "fi": (
            "Työnohjausprosessi suunnitellaan asiakkaan tarpeiden mukaan. Se voi kestää muutamia "
            "kertoja tai useita vuosia. Keskimääräinen kesto on 1–2 vuotta. Työnohjauksen "
            "pitkäkestoisuus auttaa siirtämään opittuja asioita paremmin omaan työarkeen."
        ),
        "en": (
            "The supervision process is planned around the client's needs. It may last a few "
            "sessions or several years. On average it lasts 1–2 years. A longer process helps "
            "carry what has been learned into everyday work."
        ),
    },
    "not_therapy_note": {
        "fi": (
            "Työnohjaus ei ole terapiaa tai perinteistä koulutusta, vaikka työnohjauksesta "
            "saatavat kokemukset voivat olla sen käyneiden mielestä terapeuttisia."
        ),
        "en": (
            "Work supervision is neither therapy nor traditional training, even though those "
            "who have taken part may find the experience therapeutic."
        ),
    },
    "methods_intro": {"fi": "Keskeisiä menetelmiä ovat", "en": "The key methods are:"},
    "seo_title": {
        "fi": "Työnohjaus Kotkassa – Aventuria ohjaus & terapia",
        "en": "Work supervision in Kotka – Aventuria ohjaus & terapia",
    },
    "seo_description": {
        "fi": (
            "Työnohjausta yksilöille, tiimeille ja koko työyhteisölle Kotkassa ja etänä. "
            "Tukea työssä jaksamiseen ja kehittymiseen."
        ),
        "en": (
            "Work supervision for individuals, teams and whole work communities in Kotka and "
            "remotely. Support for well-being and growth at work."
        ),
    },
}

SECTIONS = [
    {
        "heading": {
            "fi": "Työnohjausta yksilöille tai koko työyhteisölle",
            "en": "Supervision for individuals or the whole work community",
        },
        "body": {
            "fi": (
                "Järjestän työnohjausta yksittäisille työntekijöille, tiimeille tai koko "
                "työyhteisölle. Työnohjauksessa keskustelemme avoimesti ja luottamuksellisesti "
                "työhön ja työyhteisöön liittyvistä asioista ja kokemuksista, sekä etsimme "
                "ratkaisuja työn sujuvuuden parantamiseksi.\n\n"
                "Työnohjaus voi olla yksilö- tai ryhmätyönohjausta. Yksilöohjauksessa tapaamiset "
                "ovat kahdenkeskisiä työntekijän kanssa."
            ),
            "en": (
                "I provide work supervision for individual employees, for teams and for whole "
                "work communities. In supervision we talk openly and in confidence about matters "
                "and experiences related to work and the work community, and look for ways to "
                "make the work run more smoothly.\n\n"
                "Supervision can be individual or take place in a group. In individual "
                "supervision, the sessions are one-to-one with the employee."
            ),
        },
    },
]

GOALS = [
    ("työssä jaksamisen parantaminen", "improving well-being at work"),
    ("oman motivaation parantaminen", "strengthening one's own motivation"),
    ("oman ammatti-identiteetin selkeyttäminen", "clarifying one's professional identity"),
    (
        "omien työtapojen analysoiminen ja kehittäminen",
        "analysing and developing one's own ways of working",
    ),
    (
        "koko työyhteisön uusien toiminta- ja työskentelymallien kehittäminen",
        "developing new ways of operating and working for the whole work community",
    ),
    ("työn laadun valvonnan kehittäminen", "developing how the quality of work is monitored"),
    ("työn tehostaminen", "making work more effective"),
    ("työssä esiintyvien ongelmien ratkaiseminen", "solving problems that arise at work"),
    ("luovuuden ja kekseliäisyyden lisääminen", "fostering creativity and inventiveness"),
]

METHODS = [
    (
        "dialogisuus eli yhdessä ajatteleminen ja keskustelu",
        "dialogue, that is, thinking and talking together",
    ),
    (
        "narratiivisuus eli rakentavien ja vaihtoehtoisten tarinoiden löytäminen omasta työstä",
        "narrative work, that is, finding constructive and alternative stories in one's own work",
    ),
    (
        "reflektiivisyys eli omien ajatusten, tunteiden ja toiminnan tietoinen tarkastelu",
        "reflection, that is, consciously examining one's own thoughts, feelings and actions",
    ),
    (
        "ratkaisukeskeisyys eli kaiken jo hyvin olevan ja toimivan hyödyntäminen",
        "solution focus, that is, making use of everything that is already good and working",
    ),
]

PAGES = {
    "inquiry": {
        "title": {"fi": "Ota yhteyttä", "en": "Get in touch"},
        "intro": {
            "fi": (
                "Kerro, millaista työnohjausta toivot, niin palaan asiaan. Käsittelen "
                "yhteydenotot luottamuksellisesti, eikä yhteydenotto sido sinua mihinkään."
            ),
            "en": (
                "Tell me what kind of supervision you are looking for and I will get back to "
                "you. Every inquiry is handled in confidence, and sending one does not commit "
                "you to anything."
            ),
        },
        "body": {"fi": "", "en": ""},
        "seo_title": {
            "fi": "Yhteydenotto – työnohjaus Kotkassa",
            "en": "Contact – work supervision in Kotka",
        },
        "seo_description": {
            "fi": "Kysy yksilö-, ryhmä- tai työyhteisön työnohjauksesta. Lomakkeen täyttäminen vie minuutin.",
            "en": "Ask about individual, team or work community supervision. The form takes a minute.",
        },
    },
    "thanks": {
        "title": {"fi": "Kiitos yhteydenotostasi", "en": "Thank you for getting in touch"},
        "intro": {
            "fi": "Yhteydenottosi on vastaanotettu ja tallennettu.",
            "en": "Your inquiry has been received and saved.",
        },
        "body": {"fi": "", "en": ""},
        "seo_title": {"fi": "Kiitos yhteydenotostasi", "en": "Thank you"},
        "seo_description": {
            "fi": "Yhteydenottosi on vastaanotettu.",
            "en": "Your inquiry has been received.",
        },
    },
    "accessibility": {
        "title": {"fi": "Saavutettavuusseloste", "en": "Accessibility statement"},
        "intro": {
            "fi": (
                "Haluamme, että jokainen voi tutustua työnohjaukseen ja ottaa yhteyttä, "
                "käyttipä hän mitä laitetta tai apuvälinettä tahansa."
            ),
            "en": (
                "We want everyone to be able to learn about work supervision and get in touch, "
                "whatever device or assistive technology they use."
            ),
        },
        "body": {
            "fi": (
                "Aventuria ohjaus & terapia on mikroyritys, jota digipalvelulaki ei velvoita "
                "antamaan saavutettavuusselostetta. Laadimme sen vapaaehtoisesti.\n\n"
                "## Saavutettavuuden tila\n\n"
                "Sivusto on tehty täyttämään WCAG 2.1 -ohjeiston AA-tason vaatimukset. Sivut "
                "tarkistetaan automaattisesti jokaisen muutoksen yhteydessä. Sivusto toimii "
                "ilman JavaScriptiä, pelkällä näppäimistöllä ja ruudunlukuohjelmalla, ja tekstiä "
                "voi suurentaa selaimen asetuksista.\n\n"
                "## Tunnetut puutteet\n\n"
                "Emme tiedä sivustolla olevan saavutettavuuden puutteita.\n\n"
                "## Palaute\n\n"
                "Jos huomaat puutteen tai et pysty käyttämään jotakin sivuston osaa, kerro siitä "
                "sivun alareunan sähköpostiosoitteeseen tai puhelinnumeroon. Vastaamme kahden "
                "viikon kuluessa."
            ),
            "en": (
                "Aventuria ohjaus & terapia is a micro-enterprise, which the Finnish Act on the "
                "Provision of Digital Services does not require to publish an accessibility "
                "statement. We publish one voluntarily.\n\n"
                "## Compliance status\n\n"
                "The site is built to meet level AA of the WCAG 2.1 guidelines. The pages are "
                "checked automatically with every change. The site works without JavaScript, "
                "with a keyboard alone and with a screen reader, and text can be enlarged in the "
                "browser's settings.\n\n"
                "## Known issues\n\n"
                "We are not aware of accessibility issues on the site.\n\n"
                "## Feedback\n\n"
                "If you notice a problem or cannot use some part of the site, please tell us by "
                "email or phone using the contact details at the bottom of the page. We reply "
                "within two weeks."
            ),
        },
        "seo_title": {"fi": "Saavutettavuusseloste", "en": "Accessibility statement"},
        "seo_description": {
            "fi": "Aventuria ohjaus & terapian verkkosivuston saavutettavuusseloste.",
            "en": "Accessibility statement of the Aventuria ohjaus & terapia website.",
        },
    },
}

PRIVACY_NOTICE = {
    "title": {"fi": "Tietosuojaseloste", "en": "Privacy notice"},
    "seo_description": {
        "fi": "Miten Aventuria ohjaus & terapia käsittelee yhteydenottojen henkilötietoja.",
        "en": "How Aventuria ohjaus & terapia handles the personal data of inquiries.",
    },
    "body": {
        "fi": (
            "## Rekisterinpitäjä\n\n"
            "{practice_name}, y-tunnus {business_id}, {address}. Tietosuoja-asioissa voit "
            "ottaa yhteyttä sähköpostilla {email} tai puhelimitse {phone}.\n\n"
            "## Käsittelyn tarkoitus ja peruste\n\n"
            "Käsittelemme yhteydenottolomakkeella lähettämiäsi tietoja, jotta voimme vastata "
            "yhteydenottoosi, sopia tapaamisesta ja valmistella mahdollisen "
            "työnohjaussopimuksen. Käsittelyn perusteena ovat pyynnöstäsi tehtävät sopimusta "
            "edeltävät toimet (EU:n yleisen tietosuoja-asetuksen 6 artiklan 1 kohdan b alakohta) "
            "ja suostumuksesi, jonka annat lomaketta lähettäessäsi (a alakohta).\n\n"
            "## Mitä tietoja keräämme\n\n"
            "Nimi, sähköpostiosoite, puhelinnumero (vapaaehtoinen), organisaatio ja "
            "osallistujamäärä (ryhmä- ja työyhteisöohjauksessa), toivottu työnohjauksen muoto, "
            "tavoitteet, toteutustapa ja ajat, viesti, asiointikieli, lähetysaika ja hyväksymäsi "
            "tietosuojaselosteen versio. Roskapostin torjumiseksi tallennamme salatun tiivisteen "
            "IP-osoitteestasi; itse osoitetta ei tallenneta. Älä kirjoita viestiin "
            "terveydentilaasi tai muita arkaluonteisia tietoja.\n\n"
            "## Vastaanottajat\n\n"
            "Tietoja ei luovuteta eikä myydä kenellekään. Niitä käsittelevät puolestamme vain "
            "sivuston palvelintilan tarjoaja (tietokanta) ja sähköpostipalvelun tarjoaja "
            "(vahvistusviesti sinulle ja ilmoitus uudesta yhteydenotosta). Sähköposteissa ei "
            "välitetä lomakkeelle kirjoittamiasi tietoja. Tietoja ei siirretä EU:n tai ETA:n "
            "ulkopuolelle.\n\n"
            "## Säilytysaika\n\n"
            "Yhteydenotto, josta ei synny asiakkuutta, poistetaan {retention_months} kuukauden "
            "kuluttua siitä, kun se on suljettu tai sitä on viimeksi käsitelty. Jos "
            "yhteydenotosta syntyy asiakkuus, tiedot poistetaan {retention_months_after_client} "
            "kuukauden kuluttua asiakkuuden päättymisestä. Poisto tehdään automaattisesti.\n\n"
            "## Oikeutesi\n\n"
            "Sinulla on oikeus saada tietää, mitä tietoja sinusta on tallennettu, saada ne "
            "itsellesi, vaatia virheellisten tietojen korjaamista ja tietojesi poistamista sekä "
            "peruuttaa suostumuksesi milloin tahansa. Lähetä pyyntö osoitteeseen {email}; "
            "vastaamme viimeistään kuukauden kuluessa.\n\n"
            "## Oikeus valittaa valvontaviranomaiselle\n\n"
            "Jos katsot, että tietojasi käsitellään tietosuoja-asetuksen vastaisesti, voit tehdä "
            "valituksen tietosuojavaltuutetun toimistolle (tietosuoja.fi).\n\n"
            "## Evästeet\n\n"
            "Sivusto ei käytä seuranta- tai analytiikkaevästeitä eikä lataa mitään kolmansien "
            "osapuolten palvelimilta. Vain yhteydenottolomake asettaa teknisesti välttämättömän "
            "evästeen (csrftoken), joka suojaa lomaketta väärinkäytöltä. Ylläpidon kirjautuminen "
            "käyttää istuntoevästettä (sessionid), joka koskee vain ylläpitäjää."
        ),
        "en": (
            "## Controller\n\n"
            "{practice_name}, business ID {business_id}, {address}. For anything about your "
            "data, email {email} or call {phone}.\n\n"
            "## Purpose and legal basis\n\n"
            "We process the details you send with the inquiry form to answer your inquiry, "
            "arrange a meeting and prepare a possible supervision agreement. The legal basis is "
            "steps taken at your request before entering into a contract (Article 6(1)(b) of the "
            "EU General Data Protection Regulation) and the consent you give when sending the "
            "form (Article 6(1)(a)).\n\n"
            "## What we collect\n\n"
            "Name, email address, phone number (optional), organisation and number of "
            "participants (for team and work community supervision), the kind of supervision, "
            "goals, format and times you prefer, your message, the language you used, the time "
            "of sending and the version of this notice you accepted. To fight spam we store an "
            "encrypted hash of your IP address, never the address itself. Please do not write "
            "about your health or other sensitive matters in the message.\n\n"
            "## Recipients\n\n"
            "Your data is never disclosed or sold to anyone. It is processed on our behalf only "
            "by the site's hosting provider (the database) and the email provider (your "
            "confirmation and the notice of a new inquiry). The emails do not carry what you "
            "wrote in the form. Your data is not transferred outside the EU or the EEA.\n\n"
            "## How long we keep it\n\n"
            "An inquiry that does not lead to a client relationship is deleted "
            "{retention_months} months after it was closed or last handled. If it leads to a "
            "client relationship, the data is deleted {retention_months_after_client} months "
            "after the relationship ends. Deletion is automatic.\n\n"
            "## Your rights\n\n"
            "You have the right to know what data we hold about you, to receive a copy of it, "
            "to have wrong data corrected and your data erased, and to withdraw your consent at "
            "any time. Send your request to {email}; we answer within one month.\n\n"
            "## Right to lodge a complaint\n\n"
            "If you believe your data is processed against the data protection rules, you can "
            "lodge a complaint with the Office of the Data Protection Ombudsman "
            "(tietosuoja.fi).\n\n"
            "## Cookies\n\n"
            "The site uses no tracking or analytics cookies and loads nothing from third-party "
            "servers. Only the inquiry form sets a strictly necessary cookie (csrftoken) that "
            "protects the form from misuse. The admin login uses a session cookie (sessionid) "
            "that concerns the site's administrator only."
        ),
    },
}


# The migration state load_content works in; tests use it to put the content back.
STATE = ("services", "0002_initial_content")


def translated(values: dict) -> dict:
    """Expand {"field": {"fi": ..., "en": ...}} into the columns modeltranslation adds."""
    fields = {}
    for name, value in values.items():
        if isinstance(value, dict):
            fields[name] = value["fi"]
            for language, text in value.items():
                fields[f"{name}_{language}"] = text
        else:
            fields[name] = value
    return fields


def load_content(apps, schema_editor):
    Practice = apps.get_model("services", "Practice")
    Service = apps.get_model("services", "Service")
    Page = apps.get_model("services", "Page")
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")

    Practice.objects.update_or_create(pk=1, defaults=translated(PRACTICE))
    fields = translated(SERVICE)
    service, _ = Service.objects.update_or_create(slug=fields.pop("slug"), defaults=fields)
    service.sections.all().delete()
    service.goals.all().delete()
    service.methods.all().delete()
    for order, section in enumerate(SECTIONS, start=1):
        service.sections.create(order=order, **translated(section))
    for order, (fi, en) in enumerate(GOALS, start=1):
        service.goals.create(order=order, **translated({"text": {"fi": fi, "en": en}}))
    for order, (fi, en) in enumerate(METHODS, start=1):
        service.methods.create(order=order, **translated({"text": {"fi": fi, "en": en}}))
    for key, page in PAGES.items():
        Page.objects.update_or_create(key=key, defaults=translated(page))
    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(version=1, **translated(PRIVACY_NOTICE))


def remove_content(apps, schema_editor):
    apps.get_model("services", "Service").objects.filter(slug=SERVICE["slug"]).delete()
    apps.get_model("services", "Page").objects.filter(key__in=PAGES).delete()
    apps.get_model("services", "PrivacyNotice").objects.filter(version=1).delete()
    apps.get_model("services", "Practice").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(load_content, remove_content)]
