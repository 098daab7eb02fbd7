"""Outlook's contacts CSV in its translated layouts: each language's header names, as data.

Outlook writes its ~90 contact columns under names translated into the language of
the Windows/Office install (and in that locale's ANSI code page: cp1252 for all of
these). The names here are the ones Outlook itself reads back, taken from
Microsoft's own Outlook-CSV language tables (Exchange's contact importer, one
table per culture) and checked against exports people published; Dutch from a
published Outlook NL export. Spanish and Brazilian Outlook leave some columns in
English ("E-mail Address", "Birthday"): that is how they write them.

Each layout is one "|"-separated text listing the header for every entry of
`PROPERTIES`, in that order ("" where that layout has no such column). `ALIASES`
adds the names other Outlook versions use for the same column.
"""

from __future__ import annotations

PROPERTIES = (
    "Title FirstName MiddleName LastName Suffix Company Department JobTitle "
    "BusinessStreet BusinessStreet2 BusinessStreet3 BusinessCity BusinessState "
    "BusinessPostalCode BusinessCountryOrRegion HomeStreet HomeStreet2 HomeStreet3 HomeCity "
    "HomeState HomePostalCode HomeCountryOrRegion OtherStreet OtherStreet2 OtherStreet3 "
    "OtherCity OtherState OtherPostalCode OtherCountryOrRegion AssistantPhone BusinessFax "
    "BusinessPhone BusinessPhone2 Callback CarPhone CompanyMainPhone HomeFax HomePhone "
    "HomePhone2 ISDN MobilePhone OtherFax OtherPhone Pager PrimaryPhone RadioPhone "
    "TTYOrTDDPhone Telex Account Anniversary AssistantName BillingInformation Birthday "
    "BusinessPOBox Categories Children EmailAddress EmailType EmailDisplayName Email2Address "
    "Email2Type Email2DisplayName Email3Address Email3Type Email3DisplayName Gender "
    "GovernmentIDNumber Hobby HomePOBox Initials InternetFreeBusy Location ManagerName "
    "Mileage Notes OfficeLocation OtherPOBox Priority Profession Sensitivity Spouse User1 "
    "User2 User3 User4 WebPage CompanyYomi GivenYomi SurnameYomi"
).split()
"""Outlook's contact properties, in the order its English export writes their columns."""

FIELDS = {
    "Title": "prefix",
    "FirstName": "first",
    "MiddleName": "middle",
    "LastName": "last",
    "Suffix": "suffix",
    "Company": "company",
    "JobTitle": "title",
    "AssistantPhone": "phone:assistant",
    "BusinessFax": "phone:fax",
    "BusinessPhone": "phone:work",
    "BusinessPhone2": "phone:work",
    "Callback": "phone:callback",
    "CarPhone": "phone:car",
    "CompanyMainPhone": "phone:work",
    "HomeFax": "phone:fax",
    "HomePhone": "phone:home",
    "HomePhone2": "phone:home",
    "ISDN": "phone:isdn",
    "MobilePhone": "phone:mobile",
    "OtherFax": "phone:fax",
    "OtherPhone": "phone:other",
    "Pager": "phone:pager",
    "PrimaryPhone": "phone:main",
    "RadioPhone": "phone:radio",
    "TTYOrTDDPhone": "phone:tty",
    "Telex": "phone:telex",
    "Birthday": "birthday",
    "Categories": "tags",
    "EmailAddress": "email",
    "Email2Address": "email",
    "Email3Address": "email",
    "EmailType": "ignore",
    "Email2Type": "ignore",
    "Email3Type": "ignore",
    "EmailDisplayName": "ignore",
    "Email2DisplayName": "ignore",
    "Email3DisplayName": "ignore",
    "Notes": "notes",
    "WebPage": "url",
    "Priority": "ignore",
    "Private": "ignore",
    "Sensitivity": "ignore",
    "Spouse": "relation:spouse",
    "Children": "relation:child",
    "ManagerName": "relation:manager",
    "AssistantName": "relation:assistant",
    "Anniversary": "date:anniversary",
}
"""crm's field for each property, as the English layout maps it; the others (Department,
User 1, Hobby...) stay custom fields under their own (translated) header."""

for _where, _label in (("Business", "work"), ("Home", "home"), ("Other", "other")):
    for _part, _field in (
        ("Street", "street"),
        ("Street2", "street"),
        ("Street3", "street"),
        ("City", "city"),
        ("State", "region"),
        ("PostalCode", "postcode"),
        ("CountryOrRegion", "country"),
    ):
        FIELDS[f"{_where}{_part}"] = f"{_field}:{_label}"

LANGUAGES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt-br": "Portuguese (Brazil)",
    "pt-pt": "Portuguese (Portugal)",
}
"""The layouts, by the code their source name carries ("outlook-de")."""

_LAYOUTS = {
    "de": (
        "Anrede|Vorname|Weitere Vornamen|Nachname|Suffix|Firma|Abteilung|Position|"
        "Straße geschäftlich|Straße geschäftlich 2|Straße geschäftlich 3|"
        "Ort geschäftlich|Region geschäftlich|Postleitzahl geschäftlich|"
        "Land/Region geschäftlich|Straße privat|Straße privat 2|Straße privat 3|"
        "Ort privat|Bundesland/Kanton privat|Postleitzahl privat|Land/Region privat|"
        "Weitere Straße|Weitere Straße 2|Weitere Straße 3|Weiterer Ort|"
        "Weiteres/r Bundesland/Kanton|Weitere Postleitzahl|Weiteres/e Land/Region|"
        "Telefon Assistent|Fax geschäftlich|Telefon geschäftlich|Telefon geschäftlich 2|"
        "Rückmeldung|Autotelefon|Telefon Firma|Fax privat|Telefon privat|"
        "Telefon privat 2|ISDN|Mobiltelefon|Weiteres Fax|Weiteres Telefon|Pager|"
        "Haupttelefon|Mobiltelefon 2|Telefon für Hörbehinderte|Telex|Konto|Jahrestag|"
        "Name Assistent|Abrechnungsinformation|Geburtstag|Postfach geschäftlich|"
        "Kategorien|Kinder|E-Mail-Adresse|E-Mail-Typ|E-Mail: Angezeigter Name|"
        "E-Mail 2: Adresse|E-Mail 2: Typ|E-Mail 2: Angezeigter Name|E-Mail 3: Adresse|"
        "E-Mail 3: Typ|E-Mail 3: Angezeigter Name|Geschlecht|Regierungsnr.|Hobby|"
        "Postfach privat|Initialen|Internet-Frei/Gebucht|Ort|Name des/der Vorgesetzten|"
        "Reisekilometer|Notizen|Büro|Weiteres Postfach|Priorität|Beruf|Vertraulichkeit|"
        "Partner|Benutzer 1|Benutzer 2|Benutzer 3|Benutzer 4|Webseite|Firma Yomi|"
        "Vorname Yomi|Nachname Yomi"
    ),
    "fr": (
        "|Prénom|Deuxième prénom|Nom|Suffixe|Société|Service|Titre|Rue (bureau)|"
        "Rue (bureau) 2|Rue (bureau) 3|Ville (bureau)|Dép/Région (bureau)|"
        "Code postal (bureau)|Pays/Région (bureau)|Rue (domicile)|Rue (domicile) 2|"
        "Rue (domicile) 3|Ville (domicile)|Dép/Région (domicile)|Code postal (domicile)|"
        "Pays/Région (domicile)|Rue (autre)|Rue (autre) 2|Rue (autre) 3|Ville (autre)|"
        "Dép/Région (autre)|Code postal (autre)|Pays/Région (autre)|"
        "Téléphone de l'assistant(e)|Télécopie (bureau)|Téléphone (bureau)|"
        "Téléphone 2 (bureau)|Rappel|Téléphone (voiture)|Téléphone société|"
        "Télécopie (domicile)|Téléphone (domicile)|Téléphone 2 (domicile)|RNIS|"
        "Tél. mobile|Télécopie (autre)|Téléphone (autre)|Récepteur de radiomessagerie|"
        "Téléphone principal|Radio téléphone|Téléphone TDD/TTY|Télex|Compte|"
        "Anniversaire de mariage ou fête|Nom de l'assistant(e)|Informations facturation|"
        "Anniversaire|B.P. professionnelle|Catégories|Enfants|Adresse de messagerie|"
        "Type de messagerie|Nom complet de l'adresse de messagerie|"
        "Adresse de messagerie 2|Type de messagerie 2|"
        "Nom complet de l'adresse de messagerie 2|Adresse de messagerie 3|"
        "Type de messagerie 3|Nom complet de l'adresse de messagerie 3|Sexe|"
        "Code gouvernement|Passe-temps|Boîte postale du domicile|Initiales|"
        "Disponibilité Internet|Emplacement|Responsable|Kilométrage|Notes|Bureau|"
        "Autre boîte postale|Priorité|Profession|Critère de diffusion|Conjoint(e)|"
        "Utilisateur 1|Utilisateur 2|Utilisateur 3|Utilisateur 4|Page Web|Société Yomi|"
        "Prénom Yomi|Nom Yomi"
    ),
    "es": (
        "Title|Nombre|Segundo nombre|Apellidos|Suffix|Organización|Department|Puesto|"
        "Calle del trabajo|Calle del trabajo 2|Calle del trabajo 3|Ciudad de trabajo|"
        "Provincia o estado de trabajo|Código postal del trabajo|"
        "País o región del trabajo|Home Street|Home Street 2|Home Street 3|Home City|"
        "Home State|Home Postal Code|País o región del domicilio|Otra calle|Otra calle 2|"
        "Otra calle 3|Otra ciudad|Otra provincia o estado|Otro código postal|"
        "Otro país o región|Assistant's Phone|Business Fax|Teléfono del trabajo|"
        "Business Phone 2|Devolución de llamada|Car Phone|"
        "Número de centralita de la organización|Home Fax|Particular|Home Phone 2|ISDN|"
        "Mobile Phone|Otro fax|Otro teléfono|Pager|Teléfono principal|Radioteléfono|"
        "Número de teletipo|Télex|Account|Anniversary|Assistant's Name|Facturación|"
        "Birthday|Apartado postal de la dirección del trabajo|Categorías|Hijos|"
        "E-mail Address|E-mail Type|Nombre de pantalla de correo electrónico|"
        "Dirección de correo electrónico 2|Tipo de correo electrónico 2|"
        "Nombre de pantalla de correo electrónico 2|Dirección del correo electrónico 3|"
        "Tipo de correo electrónico 3|Nombre de pantalla de correo electrónico 3|Género|"
        "Government ID Number|Aficiones|Apartado postal de la dirección personal|"
        "Initials|Internet Free Busy|Location|Nombre del director|Kilometraje|Notes|"
        "Office Location|Otro apartado postal|Prioridad|Profesión|Confidencialidad|"
        "Spouse|Usuario 1|Usuario 2|Usuario 3|Usuario 4|Página web|Compañía Yomi|"
        "Yomi especificada|Apellido Yomi"
    ),
    "it": (
        "Titolo|Nome|Secondo nome|Cognome|Titolo straniero|Società|Reparto|Posizione|"
        "Via (uff.)|Via (uff.) 2|Via (uff.) 3|Città (uff.)|Provincia (uff.)|CAP (uff.)|"
        "Paese (uff.)|Via (ab.)|Via (ab.) 2|Via (ab.) 3|Città (ab.)|Provincia (ab.)|"
        "CAP (ab.)|Paese (ab.)|Altra via|Altra via 2|Altra via 3|Altra città|"
        "Altra provincia|Altro CAP|Altro paese|Telefono assistente|Fax (uff.)|Ufficio|"
        "Ufficio 2|Richiamata automatica|Telefono auto|Telefono principale società|"
        "Fax (ab.)|Abitazione|Abitazione 2|ISDN|Cellulare|Altro fax|Altro telefono|"
        "Cercapersone|Telefono principale|Radiotelefono|Telefono TTY/TDD|Telex|Account|"
        "Anniversario|Nome assistente|Dati fatturazione|Compleanno|"
        "Indirizzo (uff.) - Casella postale|Categorie|Figli|Indirizzo posta elettronica|"
        "Tipo posta elettronica|Nome visualizzato posta elettronica|"
        "Indirizzo posta elettronica 2|Tipo posta elettronica 2|"
        "Nome visualizzato posta elettronica 2|Indirizzo posta elettronica 3|"
        "Tipo posta elettronica 3|Nome visualizzato posta elettronica 3|Sesso|"
        "Cod. Fisc./P. IVA|Hobby|Indirizzo (ab.) - Casella postale|Iniziali|"
        "Disponibilità Internet|Luogo|Nome manager|Indennità trasferta|Notes|"
        "Ubicazione ufficio|Altro indirizzo - Casella postale|Priorità|Professione|"
        "Riservatezza|Nome coniuge|Utente 1|Utente 2|Utente 3|Utente 4|Pagina Web|"
        "Company Yomi|Given Yomi|Surname Yomi"
    ),
    "nl": (
        "Titel|Voornaam|Middelste naam|Achternaam|Achtervoegsel|Bedrijf|Afdeling|Functie|"
        "Werkadres, straat|Werkadres 2, straat|Werkadres 3, straat|Werkadres, plaats|"
        "Werkadres, provincie|Werkadres, postcode|Land/regio (werk)|Huisadres, straat|"
        "Huisadres, straat 2|Huisadres, straat 3|Huisadres, plaats|Huisadres, provincie|"
        "Huisadres, postcode|Land/regio (thuis)|Ander adres, straat|"
        "Ander adres, straat 2|Ander adres, straat 3|Ander adres, plaats|"
        "Ander adres, provincie|Ander adres, postcode|Land/regio (anders)|"
        "Telefoon assistent|Fax op werk|Telefoon op werk|Telefoon op werk 2|Terugbellen|"
        "Autotelefoon|Hoofdtelefoon bedrijf|Fax thuis|Telefoon thuis|Telefoon thuis 2|"
        "ISDN|Mobiele telefoon|Andere fax|Andere telefoon|Pager|Hoofdtelefoon|"
        "Radiotelefoon|Teksttelefoon|Telex|Account|Speciale datum|Naam assistent|"
        "Factuurinformatie|Verjaardag|Werkadres, postbusnummer|Categorieën|Kinderen|"
        "E-mailadres|E-mailtype|Weergavenaam voor e-mail|E-mailadres 2|E-mailtype 2|"
        "E-mail, weergegeven naam 2|E-mailadres 3|E-mailtype 3|"
        "E-mail, weergegeven naam 3|Geslacht|Sofinummer|Hobby's|Huisadres, postbusnummer|"
        "Initialen|Internet Beschikbaarheidsinfo|Locatie|Naam manager|Reisafstand|"
        "Notities|Kantoorlocatie|Ander adres, postbusnummer|Prioriteit|Beroep|"
        "Gevoeligheid|Partner|Gebruiker 1|Gebruiker 2|Gebruiker 3|Gebruiker 4|Webpagina|||"
        ""
    ),
    "pt-br": (
        "Tratamento|Primeiro nome|Segundo nome|Sobrenome|Sufixo|Empresa|Departamento|"
        "Cargo|Business Street|Rua do endereço comercial 2|Rua do endereço comercial 3|"
        "Business City|Business State|Business Postal Code|País/Região da Empresa|"
        "Endereço residencial|Endereço residencial 2|Endereço residencial 3|"
        "Cidade do endereço residencial|Estado|CEP do endereço residencial|"
        "País/Região de Residência|Outro endereço|Outro endereço 2|Outro endereço 3|"
        "Cidade|Outro Estado|CEP|Outro País/Região|Telefone do assistente|Fax comercial|"
        "Telefone comercial|Telefone comercial 2|Retorno de chamada|Telefone do carro|"
        "Telefone principal da empresa|Fax residencial|Telefone residencial|"
        "Telefone residencial 2|ISDN|Telefone celular|Outro fax|Outro telefone|Pager|"
        "Telefone principal|Radiofone|Telefone TTY/TDD|Telex|Conta|Datas especiais|"
        "Nome do assistente|Informações para cobrança|Birthday|"
        "Caixa postal do endereço comercial|Categorias|Filhos|E-mail Address|"
        "Tipo de email|Nome para exibição do email|Endereço de email 2|Tipo de email 2|"
        "Nome para exibição do email 2|Endereço de email 3|Tipo de email 3|"
        "Nome para exibição do email 3|Sexo|Código do governo|Hobby|"
        "Caixa postal do endereço residencial|Iniciais|Disponibilidade da Internet|Local|"
        "Nome do gerenciador|Quilometragem|Anotações|Sala|Caixa postal de outro endereço|"
        "Prioridade|Profissão|Sensibilidade|Spouse|Personalizado 1|Personalizado 2|"
        "Personalizado 3|Personalizado 4|Página da Web|Yomi (empresa)|Yomi fornecido|"
        "Yomi (sobrenome)"
    ),
    "pt-pt": (
        "Título|Primeiro nome|Outros nomes/apelidos|Apelido|Sufixo|Empresa|Departamento|"
        "Cargo|Rua da empresa|Rua da empresa 2|Rua da empresa 3|Localidade da empresa|"
        "Distrito da empresa|Código postal da empresa|País/Região da Empresa|"
        "Rua da residência|Rua da residência (2)|Rua da residência (3)|"
        "Localidade da residência|Distrito da residência|Código postal da residência|"
        "País da Residência/Região|Rua do outro endereço|Rua do outro endereço 2|"
        "Rua do outro endereço 3|Localidade do outro endereço|Distrito do outro endereço|"
        "Código postal do outro endereço|Outro País/Região|Telefone do assistente|"
        "Fax da empresa|Telefone da empresa|2º telefone da empresa|Tel. de resposta|"
        "Telefone do carro|Telefone principal da empresa|Fax da residência|"
        "Telefone da residência|2º telefone da residência|RDIS|Telemóvel|Outro fax|"
        "Outro telefone|Pager|Telefone principal|Radiotelefone|Telefone TTY/TDD|Telex|"
        "Conta|Aniversário|Nome do assistente|Dados para facturação|Data de nascimento|"
        "Apartado da empresa|Categorias|Filhos|Endereço de correio electrónico|"
        "Tipo de correio electrónico|Nome a apresentar para o correio electrónico|"
        "Endereço do correio electrónico 2|Tipo de correio electrónico 2|"
        "Nome a apresentar para o correio electrónico 2|"
        "Endereço do correio electrónico 3|Tipo de correio electrónico 3|"
        "Nome a apresentar para o correio electrónico 3|Sexo|Número do BI|Passatempo|"
        "Apartado da residência|Iniciais|Disponibilidade da Internet|Localização|"
        "Nome do gestor|Quilometragem|Notas|Gabinete|Apartado do outro endereço|"
        "Prioridade|Profissão|Confidencialidade|Cônjuge|Utilizador 1|Utilizador 2|"
        "Utilizador 3|Utilizador 4|Página na Web|Company Yomi|Given Yomi|Surname Yomi"
    ),
}

ALIASES = {
    "de": {
        # Outlook 2010 and later; the names above are Outlook 2003/2007's
        "Telefon (privat)": "HomePhone",
        "Telefon (privat 2)": "HomePhone2",
        "Assistent(in)": "AssistantName",
        "Partner/in": "Spouse",
        "Name des/r Vorgesetzten": "ManagerName",
        "Internet Frei/Gebucht": "InternetFreeBusy",
        "Funkruf": "RadioPhone",
        "Sozialversicherungsnr.": "GovernmentIDNumber",
        "Privat": "Private",
    },
    "fr": {
        # French Outlook names the prefix "Titre" too: see `outlook.columns`
        "Pays (bureau)": "BusinessCountryOrRegion",
        "Pays (domicile)": "HomeCountryOrRegion",
        "Pays (autre)": "OtherCountryOrRegion",
        "Privé": "Private",
    },
    "nl": {"Privé": "Private"},
}
"""Other names for a column in some Outlook versions (header -> property)."""


def headers(code: str) -> dict[str, str]:
    """Every header name of a layout, casefolded, with its property."""
    names = _LAYOUTS[code].split("|")
    found = {n.strip().casefold(): p for n, p in zip(names, PROPERTIES, strict=True) if n}
    found.update((n.casefold(), p) for n, p in ALIASES.get(code, {}).items())
    return found
