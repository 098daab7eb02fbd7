"""Which country a cell names: ISO 3166 alpha-2 from a code or a name, so phones read right."""

from __future__ import annotations

from functools import lru_cache

from crmcli.core.values.text import fold

# ISO alpha-2, alpha-3, then names in English, French and the country's own language.
_COUNTRY_TABLE = """
FR FRA France|République française
US USA United States|United States of America|USA|U.S.A.|U.S.|America|États-Unis|Etats Unis|EUA
GB GBR United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|Northern Ireland
GB GBR Royaume-Uni|Grande-Bretagne|Angleterre|Écosse|Pays de Galles|Irlande du Nord
DE DEU Germany|Deutschland|Allemagne
ES ESP Spain|España|Espagne
IT ITA Italy|Italia|Italie
BE BEL Belgium|Belgique|België|Belgien
CH CHE Switzerland|Suisse|Schweiz|Svizzera
NL NLD Netherlands|The Netherlands|Holland|Nederland|Pays-Bas|Hollande
LU LUX Luxembourg|Luxemburg
PT PRT Portugal
IE IRL Ireland|Irlande|Éire
AT AUT Austria|Österreich|Autriche
SE SWE Sweden|Sverige|Suède
NO NOR Norway|Norge|Norvège
DK DNK Denmark|Danmark|Danemark
FI FIN Finland|Suomi|Finlande
IS ISL Iceland|Islande|Ísland
PL POL Poland|Polska|Pologne
CZ CZE Czech Republic|Czechia|Česko|République tchèque|Tchéquie
SK SVK Slovakia|Slovensko|Slovaquie
HU HUN Hungary|Magyarország|Hongrie
RO ROU Romania|România|Roumanie
BG BGR Bulgaria|Bulgarie
HR HRV Croatia|Hrvatska|Croatie
SI SVN Slovenia|Slovenija|Slovénie
GR GRC Greece|Hellas|Grèce|Ελλάδα
EE EST Estonia|Eesti|Estonie
LV LVA Latvia|Latvija|Lettonie
LT LTU Lithuania|Lietuva|Lituanie
MC MCO Monaco
MT MLT Malta|Malte
CY CYP Cyprus|Chypre
TR TUR Turkey|Türkiye|Turquie
RU RUS Russia|Russian Federation|Russie|Россия
UA UKR Ukraine|Україна
CA CAN Canada
MX MEX Mexico|México|Mexique
BR BRA Brazil|Brasil|Brésil
AR ARG Argentina|Argentine
CL CHL Chile|Chili
CO COL Colombia|Colombie
PE PER Peru|Perú|Pérou
AU AUS Australia|Australie
NZ NZL New Zealand|Nouvelle-Zélande|Aotearoa
JP JPN Japan|Japon|日本|Nippon
CN CHN China|People's Republic of China|PRC|Chine|中国
KR KOR South Korea|Korea|Republic of Korea|Corée du Sud|Corée|대한민국|한국
IN IND India|Inde|Bharat
SG SGP Singapore|Singapour
HK HKG Hong Kong|香港
TW TWN Taiwan|Taïwan|台灣
TH THA Thailand|Thaïlande
VN VNM Vietnam|Viet Nam|Việt Nam
ID IDN Indonesia|Indonésie
MY MYS Malaysia|Malaisie
PH PHL Philippines
IL ISR Israel|Israël
AE ARE United Arab Emirates|UAE|Emirates|Émirats arabes unis|EAU
SA SAU Saudi Arabia|Arabie saoudite
QA QAT Qatar
LB LBN Lebanon|Liban
EG EGY Egypt|Égypte
MA MAR Morocco|Maroc|Al Maghrib
DZ DZA Algeria|Algérie
TN TUN Tunisia|Tunisie
SN SEN Senegal|Sénégal
CI CIV Ivory Coast|Côte d'Ivoire|Cote d'Ivoire
CM CMR Cameroon|Cameroun
ZA ZAF South Africa|Afrique du Sud
NG NGA Nigeria
KE KEN Kenya
"""


def _countries() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _COUNTRY_TABLE.strip().splitlines():
        alpha2, alpha3, names = line.split(" ", 2)
        for name in (alpha2, alpha3, *names.split("|")):
            table.setdefault(fold(name), alpha2)
    return table


_COUNTRIES = _countries()


@lru_cache(maxsize=1024)  # a file names a handful of countries over and over
def country_code(text: str) -> str | None:
    """ISO 3166 alpha-2 for a country name or code in English, French or its own language."""
    return _COUNTRIES.get(fold(text))
