"""The interface in Norwegian Bokmål and English, and the choice between them.

The language comes from ``?lang=nb|en`` (remembered in a cookie for a year), else the
cookie, else the browser's Accept-Language (nb, nn and no count as Norwegian), else English.
Labels from the data follow the same language, falling back to the other one.
Names for the standard terms the graph reuses are here because the ontology annotates them
only in English comments; the graph's own terms are named by the ontology's labels.
"""

from __future__ import annotations

from flask import request

LANGS = ("nb", "en")
COOKIE = "ninek_lang"

STRINGS: dict[str, tuple[str, str]] = {
    # key: (nb, en)
    "skip": ("Hopp til innholdet", "Skip to content"),
    "nav_main": ("Hovedmeny", "Main"),
    "search": ("Søk", "Search"),
    "queries": ("Spørringer", "Queries"),
    "sparql": ("SPARQL", "SPARQL"),
    "charts": ("Diagrammer", "Charts"),
    "quality": ("Datakvalitet", "Data quality"),
    "ontology": ("Ontologi", "Ontology"),
    "language": ("Språk", "Language"),
    "other_lang": ("English", "Norsk"),
    "footer": ("Data: prosjektoversikten til 9-kommunesamarbeidet i Vestfold 1998-2005, "
               "som lenkede data. Lisens for grafen:",
               "Data: the project overview of 9-kommunesamarbeidet i Vestfold 1998-2005, as "
               "linked data. Licence for the graph:"),
    "source": ("kilde", "source"),
    "home_title": ("9-kommunesamarbeidet i Vestfold 1998-2005", "The nine-municipality "
                   "cooperation in Vestfold 1998-2005"),
    "counts": ("Omfang", "In numbers"),
    "projects": ("Prosjekter", "Projects"),
    "workareas": ("Arbeidsområder", "Work areas"),
    "municipalities": ("Kommuner", "Municipalities"),
    "organisations": ("Organisasjoner", "Organisations"),
    "groups": ("Grupper", "Groups"),
    "grants": ("Tilskudd", "Grants"),
    "total_granted": ("Tilskudd i alt", "Total granted"),
    "members_over_time": ("Medlemskommuner over tid", "Member municipalities over time"),
    "member": ("Medlem", "Member"),
    "from": ("Fra", "From"),
    "to": ("Til", "To"),
    "founding": ("Stifter", "Founding member"),
    "yes": ("ja", "yes"),
    "no": ("nei", "no"),
    "entry_points": ("Innganger", "Entry points"),
    "canned_queries": ("Ferdige spørringer", "Canned queries"),
    "workbench": ("SPARQL-arbeidsbenk", "SPARQL workbench"),
    "downloads": ("Nedlastinger", "Downloads"),
    "file": ("Fil", "File"),
    "size": ("Størrelse", "Size"),
    "licence_source": ("Lisens og kilde", "Licence and source"),
    "dataset_description": ("Beskrivelse av datasettet (DCAT/VoID)",
                            "Dataset description (DCAT/VoID)"),
    "type": ("Type", "Type"),
    "permalink": ("Permanent lenke", "Permalink"),
    "cite": ("Siter", "Cite this"),
    "rdf_downloads": ("Denne ressursen som RDF", "This resource as RDF"),
    "source_row": ("Kilderad", "Source row"),
    "line": ("Linje", "Line"),
    "statements": ("Utsagn", "Statements"),
    "incoming": ("Lenker hit", "Links to this"),
    "participants": ("Deltakere", "Participants"),
    "participant": ("Deltaker", "Participant"),
    "role": ("Rolle", "Role"),
    "years": ("År", "Years"),
    "certainty": ("Sikkerhet", "Certainty"),
    "evidence": ("Belegg", "Evidence"),
    "exclusions": ("Unntatt", "Excluded"),
    "reason": ("Begrunnelse", "Reason"),
    "funding": ("Finansiering", "Funding"),
    "funder": ("Giver", "Funder"),
    "recipients": ("Mottakere", "Recipients"),
    "amount": ("Beløp", "Amount"),
    "purpose": ("Formål", "Purpose"),
    "total": ("Sum", "Total"),
    "costs": ("Kostnader", "Costs"),
    "savings": ("Besparelser", "Savings"),
    "milestones": ("Milepæler", "Milestones"),
    "decisions": ("Kommunestyrevedtak", "Council decisions"),
    "outcome": ("Utfall", "Outcome"),
    "lineage": ("Sammenhenger", "Lineage"),
    "relation": ("Forhold", "Relation"),
    "notes": ("Merknader", "Notes"),
    "period": ("Periode", "Period"),
    "category": ("Kategori", "Category"),
    "result": ("Resultat", "Result"),
    "status": ("Status", "Status"),
    "project": ("Prosjekt", "Project"),
    "date": ("Dato", "Date"),
    "timeline": ("Tidslinje", "Timeline"),
    "timeline_in": ("Prosjektet i tidslinjen 1998-2005", "The project in the 1998-2005 timeline"),
    "participation_timeline": ("Deltakelse 1998-2005", "Participation 1998-2005"),
    "memberships": ("Medlemskap i 9k", "Membership of 9k"),
    "identifiers": ("Registeridentifikatorer", "Registry identifiers"),
    "identifier": ("Identifikator", "Identifier"),
    "valid": ("Gyldig", "Valid"),
    "predecessors": ("Forgjengere", "Predecessors"),
    "successors": ("Etterfølgere", "Successors"),
    "events": ("Sammenslåinger og endringer", "Mergers and changes"),
    "wikidata": ("Wikidata", "Wikidata"),
    "roles_in_projects": ("Roller i prosjekter", "Roles in projects"),
    "grants_given": ("Tilskudd gitt", "Grants given"),
    "grants_received": ("Tilskudd mottatt", "Grants received"),
    "concept_scheme": ("Begrepssystem", "Concept scheme"),
    "definition": ("Definisjon", "Definition"),
    "label": ("Navn", "Label"),
    "used_by": ("Brukt av", "Used by"),
    "concepts": ("Begreper", "Concepts"),
    "approx": ("ca.", "approx."),
    "not_found": ("Fant ikke", "Not found"),
    "not_found_text": ("Ingen ressurs i grafen har denne adressen.",
                       "No resource in the graph has this address."),
    "did_you_mean": ("Kanskje du mente", "Perhaps you meant"),
    "search_for": ("Søk etter", "Search for"),
    "search_label": ("Søk i titler, navn, beskrivelser og belegg",
                     "Search titles, names, descriptions and evidence"),
    "results": ("Treff", "Results"),
    "no_results": ("Ingen treff.", "No results."),
    "showing": ("viser", "showing"),
    "quality_intro": ("Tolkningsvalgene grafen har gjort, med begrunnelse; avvik i kilden slik "
                      "grafen beskriver dem; og antakelsene grafen gjør.",
                      "The interpretation decisions the graph made, with their reasons; "
                      "anomalies of the source as the graph describes them; and the "
                      "assumptions the graph makes."),
    "dq_notes": ("Datakvalitetsmerknader", "Data-quality notes"),
    "interpretation_decisions": ("Tolkningsvalg", "Interpretation decisions"),
    "registry_candidates": ("Wikidata-kandidater fra én kilde",
                            "Wikidata candidates from one source"),
    "assumptions": ("Antakelser", "Assumptions"),
    "kind": ("Slag", "Kind"),
    "comment": ("Kommentar", "Comment"),
    "concerns": ("Gjelder", "Concerns"),
    "mixed_certainty": ("Sagt i én rad, antydet i en annen",
                        "Stated by one row, implied by another"),
    "implied_in": ("Antydet i", "Implied in"),
    "stated_in": ("Kilderader", "Source rows"),
    "unlinked": ("Manglende registerlenker", "Missing registry links"),
    "unlinked_intro": ("Én liste per register: enhetene som mangler en verifisert lenke til "
                       "akkurat det registeret, med grunnen. Kommuner sjekkes mot alle tre "
                       "(kommunenummer i SSB, organisasjonsnummeret til kommunen som "
                       "virksomhet, Wikidata), kildens organisasjoner mot Enhetsregisteret.",
                       "One list per registry: the entities that lack a verified link to that "
                       "registry, with the reason. Municipalities are checked against all "
                       "three (SSB's municipality number, the organisation number of the "
                       "municipal authority, Wikidata), the source's organisations against "
                       "the Central Coordinating Register."),
    "missing_ssb": ("Mangler kommunenummer fra SSB (helt eller for en periode)",
                    "Missing an SSB municipality number (for all or part of its existence)"),
    "missing_enhetsregisteret": ("Uten organisasjonsnummer i Enhetsregisteret",
                                 "Without an organisation number (Central Coordinating "
                                 "Register)"),
    "missing_wikidata": ("Uten verifisert Wikidata-element", "Without a verified Wikidata item"),
    "entity": ("Enhet", "Entity"),
    "source_document": ("Kildedokumentet", "The source document"),
    "source_intro": ("Dokumentet slik det er, linje for linje; rader lenker til det som er "
                     "hentet fra dem.", "The document as it is, line by line; rows link to "
                     "what was read from them."),
    "derived": ("Hentet herfra", "Read from this line"),
    "classes": ("Klasser", "Classes"),
    "properties": ("Egenskaper", "Properties"),
    "domain": ("Domene", "Domain"),
    "range": ("Verdiområde", "Range"),
    "superclasses": ("Overklasser", "Superclasses"),
    "superproperties": ("Overegenskaper", "Superproperties"),
    "reused_terms": ("Gjenbrukte standardbegreper", "Reused standard terms"),
    "what_is": ("Hva dette er", "What this is"),
    "inferred_note": ("utledet", "inferred"),
    "open_ended": ("pågår", "ongoing"),
    "members_table_caption": ("Medlemsperioder", "Membership periods"),
    "timeline_table": ("Tidslinjen som tabell", "The timeline as a table"),
}

# Names of the standard predicates the graph reuses (nb, en).
PREDICATES: dict[str, tuple[str, str]] = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("type", "type"),
    "http://www.w3.org/2000/01/rdf-schema#label": ("navn", "label"),
    "http://www.w3.org/2000/01/rdf-schema#comment": ("kommentar", "comment"),
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": ("se også", "see also"),
    "http://purl.org/dc/terms/title": ("tittel", "title"),
    "http://purl.org/dc/terms/description": ("beskrivelse", "description"),
    "http://purl.org/dc/terms/date": ("dato", "date"),
    "http://purl.org/dc/terms/source": ("kilde", "source"),
    "http://purl.org/dc/terms/isPartOf": ("del av", "part of"),
    "http://purl.org/dc/terms/temporal": ("tidsrom", "period"),
    "http://purl.org/dc/terms/identifier": ("identifikator", "identifier"),
    "http://purl.org/dc/terms/publisher": ("utgiver", "publisher"),
    "http://purl.org/dc/terms/license": ("lisens", "licence"),
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("foretrukket navn", "preferred label"),
    "http://www.w3.org/2004/02/skos/core#altLabel": ("alternativt navn", "alternative label"),
    "http://www.w3.org/2004/02/skos/core#hiddenLabel": ("skjult navn", "hidden label"),
    "http://www.w3.org/2004/02/skos/core#definition": ("definisjon", "definition"),
    "http://www.w3.org/2004/02/skos/core#inScheme": ("i begrepssystem", "in scheme"),
    "http://www.w3.org/2004/02/skos/core#topConceptOf": ("toppbegrep i", "top concept of"),
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": ("toppbegrep", "top concept"),
    "http://www.w3.org/2004/02/skos/core#notation": ("notasjon", "notation"),
    "http://www.w3.org/2004/02/skos/core#broader": ("overordnet", "broader"),
    "http://www.w3.org/2004/02/skos/core#exactMatch": ("samme som", "exact match"),
    "http://www.w3.org/ns/prov#wasDerivedFrom": ("hentet fra", "derived from"),
    "http://www.w3.org/ns/prov#qualifiedAssociation": ("deltakelse", "participation"),
    "http://www.w3.org/ns/prov#wasAssociatedWith": ("knyttet til", "associated with"),
    "http://www.w3.org/ns/prov#agent": ("aktør", "agent"),
    "http://www.w3.org/ns/prov#hadRole": ("rolle", "role"),
    "http://www.w3.org/ns/org#member": ("medlem", "member"),
    "http://www.w3.org/ns/org#organization": ("organisasjon", "organisation"),
    "http://www.w3.org/ns/org#hasMembership": ("medlemskap", "membership"),
    "http://www.w3.org/ns/org#memberDuring": ("medlem i tidsrommet", "member during"),
    "http://www.w3.org/ns/org#changedBy": ("endret ved", "changed by"),
    "http://www.w3.org/ns/org#resultedFrom": ("oppsto ved", "resulted from"),
    "http://www.w3.org/ns/org#originalOrganization": ("opprinnelig organisasjon",
                                                      "original organisation"),
    "http://www.w3.org/ns/org#resultingOrganization": ("resulterende organisasjon",
                                                       "resulting organisation"),
    "http://www.w3.org/ns/org#subOrganizationOf": ("del av", "sub-organisation of"),
    "http://www.w3.org/2002/07/owl#sameAs": ("samme som", "same as"),
    "http://xmlns.com/foaf/0.1/name": ("navn", "name"),
    "http://xmlns.com/foaf/0.1/homepage": ("hjemmeside", "homepage"),
    "https://schema.org/funder": ("giver", "funder"),
    "https://schema.org/fundedItem": ("finansierer", "funded item"),
    "https://schema.org/amount": ("beløp", "amount"),
    "https://schema.org/value": ("verdi", "value"),
    "https://schema.org/currency": ("valuta", "currency"),
    "http://www.w3.org/ns/adms#identifier": ("identifikator", "identifier"),
    "http://www.w3.org/ns/adms#schemaAgency": ("utsteder", "issuing agency"),
    "http://www.w3.org/ns/dcat#startDate": ("fra", "start date"),
    "http://www.w3.org/ns/dcat#endDate": ("til", "end date"),
    "http://www.w3.org/ns/dcat#distribution": ("distribusjon", "distribution"),
    "http://www.w3.org/ns/dcat#downloadURL": ("nedlasting", "download URL"),
    "http://www.w3.org/ns/dcat#accessURL": ("tilgang", "access URL"),
    "http://www.w3.org/ns/dcat#mediaType": ("medietype", "media type"),
    "http://www.w3.org/ns/dcat#keyword": ("emneord", "keyword"),
    "http://www.w3.org/ns/dcat#theme": ("tema", "theme"),
    "http://www.w3.org/ns/dcat#contactPoint": ("kontaktpunkt", "contact point"),
    # classes
    "http://www.w3.org/ns/org#Organization": ("Organisasjon", "Organisation"),
    "http://www.w3.org/ns/org#Membership": ("Medlemskap", "Membership"),
    "http://www.w3.org/ns/org#ChangeEvent": ("Endring", "Change event"),
    "http://www.w3.org/2004/02/skos/core#Concept": ("Begrep", "Concept"),
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": ("Begrepssystem", "Concept scheme"),
    "http://www.w3.org/ns/prov#Entity": ("Entitet (PROV)", "Entity (PROV)"),
    "http://www.w3.org/ns/prov#Role": ("Rolle (PROV)", "Role (PROV)"),
    "http://xmlns.com/foaf/0.1/Group": ("Gruppe", "Group"),
    "http://xmlns.com/foaf/0.1/Document": ("Dokument", "Document"),
    "http://xmlns.com/foaf/0.1/Agent": ("Aktør", "Agent"),
    "http://www.w3.org/ns/dcat#Dataset": ("Datasett", "Dataset"),
    "http://www.w3.org/ns/dcat#Distribution": ("Distribusjon", "Distribution"),
    "http://www.w3.org/ns/dcat#DataService": ("Datatjeneste", "Data service"),
    "http://rdfs.org/ns/void#Dataset": ("Datasett (VoID)", "Dataset (VoID)"),
    "http://rdfs.org/ns/void#Linkset": ("Lenkesett (VoID)", "Linkset (VoID)"),
    "http://www.w3.org/ns/adms#Identifier": ("Identifikator", "Identifier"),
    "http://purl.org/dc/terms/PeriodOfTime": ("Tidsrom", "Period of time"),
    "https://schema.org/MonetaryAmount": ("Pengebeløp", "Monetary amount"),
    "http://www.w3.org/2006/time#ProperInterval": ("Tidsintervall", "Interval"),
    "http://www.w3.org/2006/time#Instant": ("Tidspunkt", "Instant"),
}


def choose_lang() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGS:
        return wanted
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGS:
        return cookie
    best = request.accept_languages.best_match(["nb", "nn", "no", "en"], default="en")
    return "en" if best == "en" else "nb"


def translate(key: str, lang: str) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "nb" else pair[1]


def predicate_label(predicate: str, lang: str, index) -> str:
    """A predicate's name: the table above, else the ontology's label, else its short IRI."""
    if predicate in PREDICATES:
        nb, en = PREDICATES[predicate]
        return nb if lang == "nb" else en
    return index.label(predicate, lang)
