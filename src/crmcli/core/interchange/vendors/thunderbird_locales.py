"""The column names a Thunderbird in another language writes in its CSV and tab exports.

Thunderbird takes each header of its delimited-text export from its localized
`chrome://messenger/locale/importMsgs.properties`, string IDs 2100-2136, in the order
of `exportAttributes` (mailnews/addrbook/modules/AddrBookUtils.sys.mjs in
mozilla/releases-comm-central): 2100-2105, then 2136 (the chat "screen name"), then
2106-2135. The names below are copied from mail/locales/en-US/chrome/messenger/
importMsgs.properties (mozilla/releases-comm-central) and from
<lang>/mail/chrome/messenger/importMsgs.properties in mozilla-l10n/firefox-l10n.

Why a table per language and not one merged dictionary: the translations collide.
French names home and work city, state and postcode alike ("Ville", "Pays/État",
"Code postal" twice); an older German names both the display name and the screen
name "Anzeigename"; "Apelido" is the surname in Portugal but the nickname in Brazil.
So the language is told from the whole header first, and a name written twice takes
the meanings of its IDs in the order Thunderbird writes them.
"""

from __future__ import annotations

IDS = (*range(2100, 2106), 2136, *range(2106, 2136))
"""The string IDs in the order Thunderbird writes its columns."""

FIELDS = {
    2100: "first",
    2101: "last",
    2102: "full_name",
    2103: "nickname",
    2104: "email",
    2105: "email",
    2136: "handle:aim",  # the card's _AimScreenName
    2106: "phone:work",
    2107: "phone:home",
    2108: "phone:fax",
    2109: "phone:pager",
    2110: "phone:mobile",
    2111: "street:home",
    2112: "street:home",
    2113: "city:home",
    2114: "region:home",
    2115: "postcode:home",
    2116: "country:home",
    2117: "street:work",
    2118: "street:work",
    2119: "city:work",
    2120: "region:work",
    2121: "postcode:work",
    2122: "country:work",
    2123: "title",
    2124: None,  # Department: a custom field under its own name
    2125: "company",
    2126: "url:work",
    2127: "url:home",
    2128: "birthday:year",
    2129: "birthday:month",
    2130: "birthday:day",
    2131: None,  # Custom 1-4: custom fields
    2132: None,
    2133: None,
    2134: None,
    2135: "notes",
}

_CUSTOM = {
    "en": "Custom",
    "de": "Benutzerdef.",
    "fr": "Divers",
    "es": "Personalizado",
    "it": "Personalizzato",
    "nl": "Overig",
    "pt-BR": "Personalizado",
    "pt-PT": "Personalizado",
    "pl": "Informacja",
    "ja": "追加情報",
}

# Each: the names of 2100-2130 in ID order, then 2135 (notes) and 2136 (screen name);
# "Custom 1-4" (2131-2134) are built from _CUSTOM.
_NAMES = {
    "en": (
        "First Name", "Last Name", "Display Name", "Nickname", "Primary Email",
        "Secondary Email", "Work Phone", "Home Phone", "Fax Number", "Pager Number",
        "Mobile Number", "Home Address", "Home Address 2", "Home City", "Home State",
        "Home ZipCode", "Home Country", "Work Address", "Work Address 2", "Work City",
        "Work State", "Work ZipCode", "Work Country", "Job Title", "Department",
        "Organization", "Web Page 1", "Web Page 2", "Birth Year", "Birth Month", "Birth Day",
        "Notes", "Screen Name",
    ),
    "de": (
        "Vorname", "Nachname", "Anzeigename", "Spitzname", "Primäre E-Mail-Adresse",
        "Sekundäre E-Mail-Adresse", "Tel. dienstlich", "Tel. privat", "Fax-Nummer",
        "Pager-Nummer", "Mobil-Tel.-Nr.", "Privat: Adresse", "Privat: Adresse 2",
        "Privat: Ort", "Privat: Bundesland", "Privat: PLZ", "Privat: Land",
        "Dienstlich: Adresse", "Dienstlich: Adresse 2", "Dienstlich: Ort",
        "Dienstlich: Bundesland", "Dienstlich: PLZ", "Dienstlich: Land", "Arbeitstitel",
        "Abteilung", "Organisation", "Webseite 1", "Webseite 2", "Geburtsjahr",
        "Geburtsmonat", "Geburtstag", "Notizen", "Anzeigename",
    ),
    "fr": (
        "Prénom", "Nom de famille", "Nom à afficher", "Surnom",
        "Adresse électronique principale", "Adresse électronique secondaire",
        "Tél. professionnel", "Tél. personnel", "Fax", "Pager", "Portable", "Adresse privée",
        "Adresse privée 2", "Ville", "Pays/État", "Code postal", "Pays/Région (domicile)",
        "Adresse professionnelle", "Adresse professionnelle 2", "Ville", "Pays/État",
        "Code postal", "Pays/Région (bureau)", "Profession", "Service", "Société",
        "Site web 1", "Site web 2", "Année de naissance", "Mois", "Jour", "Notes",
        "Nom de l'écran",
    ),
    "es": (
        "Nombre", "Apellidos", "Nombre mostrado", "Apodo",
        "Dirección de correo electrónico principal",
        "Dirección de correo electrónico secundaria", "Teléfono (Trabajo)",
        "Teléfono particular", "Fax", "Buscapersonas", "Teléfono móvil", "Dirección personal",
        "Dirección personal 2", "Ciudad donde vive", "Provincia", "Código postal",
        "País de residencia", "Dirección de trabajo", "Dirección de trabajo 2",
        "Ciudad (Trabajo)", "Provincia (Trabajo)", "Código postal (Trabajo)",
        "País (Trabajo)", "Puesto", "Departamento", "Organización", "Página web 1",
        "Página web 2", "Año de nacimiento", "Mes de nacimiento", "Día de nacimiento",
        "Notas", "Nombre en pantalla",
    ),
    "it": (
        "Nome", "Cognome", "Nome visualizzato", "Soprannome", "E-mail primaria",
        "E-mail secondaria", "Telefono lavoro", "Telefono casa", "Numero fax",
        "Numero cercapersone", "Numero cellulare", "Indirizzo di casa", "Indirizzo di casa 2",
        "Città di residenza", "Provincia di residenza", "CAP di residenza",
        "Nazione di residenza", "Indirizzo di lavoro", "Indirizzo di lavoro 2",
        "Città di lavoro", "Provincia di lavoro", "CAP di lavoro", "Nazione di lavoro",
        "Qualifica", "Reparto", "Organizzazione", "Pagina web 1", "Pagina web 2",
        "Anno di nascita", "Mese di nascita", "Giorno di nascita", "Note",
        "Nome Instant Messenger",
    ),
    "nl": (
        "Voornaam", "Achternaam", "Weergavenaam", "Bijnaam", "Eerste e-mail", "Tweede e-mail",
        "Telefoon werk", "Telefoon thuis", "Faxnummer", "Piepernummer", "Mobiel nummer",
        "Adres", "Adres 2", "Woonplaats", "Provincie", "Postcode", "Land", "Werkadres",
        "Werkadres 2", "Werklocatie", "Werkprovincie", "Werkpostcode", "Werkland",
        "Werkfunctie", "Afdeling", "Organisatie", "Webpagina 1", "Webpagina 2",
        "Geboortejaar", "Geboortemaand", "Geboortedag", "Aantekeningen", "Schermnaam",
    ),
    "pt-BR": (
        "Primeiro nome", "Sobrenome", "Apresentar como", "Apelido", "E-mail primário",
        "E-mail secundário", "Telefone comercial", "Telefone residencial", "Número do fax",
        "Número do pager", "Número celular", "Endereço", "Endereço 2", "Cidade", "Estado",
        "CEP", "País", "Endereço de trabalho", "Endereço de trabalho 2", "Cidade de trabalho",
        "Estado de trabalho", "CEP de trabalho", "País de trabalho", "Cargo", "Setor",
        "Empresa", "Página da web 1", "Página da web 2", "Ano de nascimento",
        "Mês de nascimento", "Nascimento", "Observações", "Nome de tela",
    ),
    "pt-PT": (
        "Primeiro nome", "Apelido", "Mostrar nome", "Alcunha", "Correio principal",
        "Correio secundário", "Telefone profissional", "Telefone pessoal", "Número de fax",
        "Número de pager", "Número de telemóvel", "Endereço pessoal", "Endereço pessoal 2",
        "Naturalidade", "Distrito", "Código postal", "Nacionalidade", "Endereço profissional",
        "Endereço profissional 2", "Local de trabalho", "Distrito do local de trabalho",
        "Código postal do local de trabalho", "País do local de trabalho", "Profissão",
        "Departamento", "Organização", "Página web 1", "Página web 2", "Ano de nascimento",
        "Mês de nascimento", "Dia de nascimento", "Notas", "Nome no ecrã",
    ),
    "pl": (
        "Imię", "Nazwisko", "Wyświetlana nazwa", "Pseudonim", "Podstawowy e-mail",
        "Dodatkowy e-mail", "Telefonu służbowy", "Telefon domowy", "Numer faksu", "Pager",
        "Numer telefonu komórkowego", "Adres domowy", "Adres domowy 2", "Miasto (dom)",
        "Województwo (dom)", "Kod pocztowy (dom)", "Państwo (dom)", "Adres służbowy",
        "Adres służbowy 2", "Miasto (praca)", "Województwo (praca)", "Kod pocztowy (praca)",
        "Państwo (praca)", "Stanowisko", "Departament", "Firma/Organizacja", "Strona WWW 1",
        "Strona WWW 2", "Urodziny - Rok", "Urodziny - Miesiąc", "Urodziny - Dzień",
        "Notatki", "Komunikator AIM",
    ),
    "ja": (
        "名", "姓", "表示名", "ニックネーム", "メールアドレス", "別のメールアドレス",
        "勤務先の電話番号", "自宅の電話番号", "FAX 番号", "ポケットベル番号", "携帯電話番号",
        "番地 (自宅)", "番地 (自宅) 2", "市区町村 (自宅)", "都道府県 (自宅)",
        "郵便番号 (自宅)", "国 (自宅)", "番地 (勤務先)", "番地 (勤務先) 2",
        "市区町村 (勤務先)", "都道府県 (勤務先)", "郵便番号 (勤務先)", "国 (勤務先)", "役職",
        "部門", "組織", "ウェブページ 1", "ウェブページ 2", "誕生年", "誕生月", "誕生日",
        "メモ", "スクリーンネーム",
    ),
}  # fmt: skip

ALSO = {"de": {"Messenger-Name": 2136}}
"""Names a later release of a language writes for an ID (German's screen name, which
was "Anzeigename" like the display name until it became "Messenger-Name")."""


def _by_id(code: str) -> dict[int, str]:
    names = _NAMES[code]
    found = dict(zip(range(2100, 2131), names[:31], strict=True))
    found |= {2131 + i: f"{_CUSTOM[code]} {i + 1}" for i in range(4)}
    return found | {2135: names[31], 2136: names[32]}


LANGUAGES: dict[str, dict[int, str]] = {code: _by_id(code) for code in _NAMES}
"""Per language code: string ID -> the column name that Thunderbird writes."""

HEADERS: dict[str, list[str]] = {code: [names[i] for i in IDS] for code, names in LANGUAGES.items()}
"""Per language: the header row exactly as Thunderbird writes it (37 names)."""
