"""Which country a cell names: ISO 3166 alpha-2 from a code or a name, so phones read right.

A row's national numbers are read in its own country (see importing.prepare.row_region),
and exports write country names in the exporting program's language: Outlook in German
writes "Deutschland" and "Frankreich", in Spanish "Alemania", in Japanese "日本". The
table holds the codes, the English and French names, each country's own names, and the
names in the languages crm reads Outlook exports in (de, es, it, nl, pt) for the
countries those exports name most; `fold` makes case and accents irrelevant.
"""

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
FR FRA Frankreich|Francia|Frankrijk|França
US USA Vereinigte Staaten|Vereinigte Staaten von Amerika|Estados Unidos|Stati Uniti
US USA Verenigde Staten|Amerika|アメリカ合衆国|アメリカ|美国|미국|EE. UU.|EE.UU.
GB GBR Vereinigtes Königreich|Großbritannien|Reino Unido|Regno Unito|Gran Bretagna
GB GBR Verenigd Koninkrijk|Groot-Brittannië|Engeland|イギリス|英国|영국
DE DEU Alemania|Germania|Duitsland|Alemanha|ドイツ|德国|독일
ES ESP Spanien|Spagna|Spanje|Espanha|スペイン|西班牙
IT ITA Italien|Itália|Italië|イタリア|意大利
BE BEL Bélgica|Belgio|Bélgica
CH CHE Schweiz|Suiza|Zwitserland|Suíça|スイス|瑞士
NL NLD Niederlande|Países Bajos|Paesi Bassi|Países Baixos|Holanda|オランダ|荷兰
AT AUT Austria|Oostenrijk|Áustria
PT PRT Portugal|Portogallo
IE IRL Irland|Irlanda|Ierland
PL POL Polen|Polonia|Polónia
SE SWE Schweden|Suecia|Svezia|Zweden|Suécia
DK DNK Dänemark|Dinamarca|Danimarca|Denemarken
CA CAN Kanada|Canadá|カナダ|加拿大
MX MEX Mexiko|Messico
BR BRA Brasilien|Brasile|Brazilië|ブラジル|巴西
AR ARG Argentinien
JP JPN Japan|Japón|Giappone|Japão|日本国|일본
CN CHN Volksrepublik China|República Popular China|Cina|中华人民共和国|中國
KR KOR Südkorea|Corea del Sur|Corea del Sud|Zuid-Korea|Coreia do Sul|韓国|韩国
IN IND Indien|Índia|インド|印度
AU AUS Australien|Australië|Austrália|オーストラリア|澳大利亚
RU RUS Russland|Rusia|Russia|Rusland|Rússia|ロシア|俄罗斯
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
