"""Demo campaigns: the Ozé projects of Saint-Lô and a "Make in Loire Valley" wave in Touraine.

The Saint-Lô figures come from a France Télévisions report on Ozé, the Manche department's
crowdfunding platform; the Touraine projects are invented in the spirit of the 2016 operation (one
shared launch day). Dates are placed relative to `now`, so a demo always has live, upcoming and
ended campaigns.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.gazetteer import Gazetteer
from bot.imports.importer import CliText, ImportReport, import_records, print_report
from bot.settings import Settings
from storage.db import in_migrated_session

SOURCE = "demo"

Days = tuple[int, int]  # (launch, last day), counted from today in Paris

# The three Saint-Lô (INSEE 50502) projects of the report, with its figures.
SAINT_LO: list[tuple[Days, dict[str, str]]] = [
    (
        (-36, 4),
        {
            "external_id": "oze-exp3d",
            "title": "Exp3D, des imprimantes 3D conçues à Saint-Lô",
            "holder": "Grégory Jamard",
            "category": "entreprise",
            "commune": "50502",
            "goal_eur": "2000",
            "raised_eur": "3850",
            "backers": "64",
            "url": "https://oze.manche.fr/projets/exp3d",
            "description": "Ingénieur à Saint-Lô, Grégory Jamard a conçu le prototype Exp3D. La "
            "collecte lui permet de passer à l'étape suivante : fabriquer les premières "
            "imprimantes 3D de série dans la Manche.",
            "rewards": "Porte-clés imprimé en 3D|10;Figurine personnalisée imprimée en 3D|35;"
            "Kit de montage Exp3D|390|10",
        },
    ),
    (
        (-45, -6),
        {
            "external_id": "oze-cocotte-minute",
            "title": "Cocotte Minute, la boutique du tricot",
            "holder": "Camille Lecarpentier",
            "category": "business",
            "commune": "50502",
            "goal_eur": "2500",
            "raised_eur": "2900",
            "backers": "71",
            "url": "https://oze.manche.fr/projets/cocotte-minute",
            "description": "Une jeune entrepreneuse ouvre à Saint-Lô un « temple » dédié au "
            "tricot : laines, aiguilles, conseils et ateliers pour débutantes comme pour "
            "tricoteuses confirmées. Objectif atteint en 40 jours.",
            "rewards": "Pelote de laine de la Manche|8;Atelier tricot|30|20;Kit tricot débutant|45",
        },
    ),
    (
        (-38, 7),
        {
            "external_id": "oze-rythme-des-maux",
            "title": "Le rythme des maux",
            "holder": "Yannick Hervé",
            "category": "culture",
            "commune": "50502",
            "goal_eur": "5000",
            "raised_eur": "1680",
            "backers": "43",
            "url": "https://oze.manche.fr/projets/le-rythme-des-maux",
            "description": "Musicien, Yannick Hervé intervient depuis quatre ans en pédiatrie, "
            "néonatalogie et pédopsychiatrie à l'hôpital Mémorial de Saint-Lô. Il veut "
            "enregistrer un album avec des adolescents hospitalisés.",
            "rewards": "Album en téléchargement|10;CD dédicacé par les musiciens|20;"
            "Concert privé au profit du service|500|2",
        },
    ),
]

# Touraine, "Make in Loire Valley": a wave launched 12 days ago, the next one in 3 days (in the
# evening, like the 2016 operation), and two campaigns of an earlier wave, already ended.
LIVE: Days = (-12, 41)
UPCOMING: Days = (3, 56)
TOURAINE: list[tuple[Days, dict[str, str]]] = [
    (LIVE, {
        "external_id": "mlv-brulerie-des-halles",
        "title": "La Brûlerie des Halles, torréfaction artisanale",
        "holder": "Claire Moreau",
        "category": "business",
        "postcode": "37000",
        "goal_eur": "8000", "raised_eur": "5120", "backers": "96",
        "description": "Un atelier de torréfaction à deux pas des Halles de Tours : cafés de "
        "petits producteurs, grillés chaque semaine et livrés à vélo.",
        "rewards": "Paquet de café 250 g|9;Coffret dégustation trois origines|29;"
        "Atelier torréfaction|65|12",
    }),
    (LIVE, {
        "external_id": "mlv-ruches-amboise",
        "title": "Des ruches sur les coteaux d'Amboise",
        "holder": "L'Abeille ligérienne",
        "category": "environnement",
        "commune": "Amboise",
        "goal_eur": "3500", "raised_eur": "2380", "backers": "74",
        "description": "Installer vingt ruches sur les coteaux et un rucher pédagogique pour les "
        "écoles du pays d'Amboise.",
        "rewards": "Pot de miel 250 g|8;Visite du rucher|20|30;Parrainage d'une ruche|50",
    }),
    (LIVE, {
        "external_id": "mlv-theatre-chinon",
        "title": "Théâtre de rue au pied de la forteresse",
        "holder": "Compagnie du Vieux Chinon",
        "category": "culture",
        "commune": "37072",
        "goal_eur": "12000", "raised_eur": "4200", "backers": "88",
        "description": "Trois soirées de spectacles gratuits dans les rues médiévales de Chinon.",
        "rewards": "Affiche du festival|15;Place en tribune réservée|35|100;"
        "Dîner avec la troupe|120|20",
    }),
    (LIVE, {
        "external_id": "mlv-epicerie-loches",
        "title": "Une épicerie solidaire à Loches",
        "holder": "Association Panier lochois",
        "category": "solidaire",
        "commune": "Loches",
        "goal_eur": "15000", "raised_eur": "9800", "backers": "212",
        "description": "Des produits frais et locaux à petit prix pour les familles du Lochois, "
        "tenue par des bénévoles et des salariés en insertion.",
        "rewards": "Carte de remerciement|5;Panier de légumes de saison|25;Mur des donateurs|100",
    }),
    (LIVE, {
        "external_id": "mlv-jardin-rabiere",
        "title": "Un jardin partagé à la Rabière",
        "holder": "Collectif des jardins de la Rabière",
        "category": "citoyen",
        "commune": "Joué-lès-Tours", "postcode": "37300",
        "goal_eur": "4000", "raised_eur": "4350", "backers": "118",
        "description": "Transformer une friche du quartier de la Rabière en jardin cultivé par "
        "les habitants.",
        "rewards": "Sachet de graines du jardin|5;Atelier de jardinage|15|40;"
        "Bac de culture à votre nom|60|25",
    }),
    (LIVE, {
        "external_id": "mlv-cine-indre",
        "title": "Un cinéma itinérant en vallée de l'Indre",
        "holder": "Ciné-Indre",
        "category": "culture",
        "commune": "Azay-le-Rideau",
        "goal_eur": "7500", "raised_eur": "2100", "backers": "53",
        "description": "Un écran gonflable et un projecteur pour des séances en plein air dans "
        "les villages autour d'Azay-le-Rideau.",
        "rewards": "Place de cinéma|6;Carnet de cinq séances|25;"
        "Séance privée dans votre jardin|400|3",
    }),
    (UPCOMING, {
        "external_id": "mlv-cycles-blere",
        "title": "Cycles Bléré, l'atelier de vélos reconditionnés",
        "holder": "Thomas Girard",
        "category": "entreprise",
        "commune": "Bléré",
        "goal_eur": "6000",
        "description": "Remettre en selle les vélos oubliés dans les garages et former des "
        "jeunes à la mécanique.",
        "rewards": "Antivol gravé|25;Révision complète de votre vélo|45;Vélo reconditionné|220|8",
    }),
    (UPCOMING, {
        "external_id": "mlv-petillant-montlouis",
        "title": "Du pétillant de Montlouis en bouteilles consignées",
        "holder": "Élodie et Marc Chauvin",
        "category": "business",
        "commune": "Montlouis-sur-Loire",
        "goal_eur": "20000",
        "description": "Une ligne de lavage pour réemployer nos bouteilles et celles des "
        "vignerons voisins.",
        "rewards": "Bouteille de Montlouis pétillant|14;Caisse de six bouteilles|78;"
        "Vendanges au domaine|150|15",
    }),
    (UPCOMING, {
        "external_id": "mlv-fromagerie-langeais",
        "title": "La cave d'affinage de la fromagerie de Langeais",
        "holder": "Sophie Renard",
        "category": "entreprise",
        "commune": "Langeais",
        "goal_eur": "10000",
        "description": "Creuser une cave d'affinage dans le tuffeau pour les sainte-maure des "
        "fermes voisines.",
        "rewards": "Sainte-maure affiné|9;Visite de la cave|20|40;"
        "Plateau de fromages de Touraine|39",
    }),
    (UPCOMING, {
        "external_id": "mlv-cafe-vouvray",
        "title": "Un café associatif au bord de la Loire",
        "holder": "Les Amis du café de Vouvray",
        "category": "citoyen",
        "lat": "47.4105", "lon": "0.7985",
        "goal_eur": "9000",
        "description": "Un lieu pour se retrouver, réparer, lire et écouter des concerts, ouvert "
        "à tous.",
        "rewards": "Café suspendu|2;Adhésion d'un an|20;Soirée privatisée|250|4",
    }),
    ((-70, -3), {
        "external_id": "mlv-compost-chambray",
        "title": "Des composteurs partagés dans les résidences",
        "holder": "Chambray en transition",
        "category": "environment",
        "commune": "Chambray-lès-Tours",
        "goal_eur": "1500", "raised_eur": "1740", "backers": "61",
        "description": "Douze composteurs collectifs et des formations de guides composteurs.",
        "rewards": "Seau à compost|12;Formation au compostage|20|30",
    }),
    ((-70, -10), {
        "external_id": "mlv-minibus-avertin",
        "title": "Un minibus pour l'aide alimentaire",
        "holder": "Entraide avertinoise",
        "category": "solidarity",
        "commune": "Saint-Avertin",
        "goal_eur": "18000", "raised_eur": "7450", "backers": "164",
        "description": "Un minibus pour collecter les invendus et livrer les personnes qui ne se "
        "déplacent plus.",
        "rewards": "Carte de remerciement|5;Votre nom sur le minibus|150|20",
    }),
]  # fmt: skip
MAKE_IN_LOIRE_VALLEY = (
    "Projet de l'opération « Make in Loire Valley » : une vague de campagnes lancées le même "
    "jour en Touraine, avec Ulule et les partenaires du territoire."
)


def _day(today: date, offset: int) -> str:
    return (today + timedelta(days=offset)).isoformat()


def demo_rows(now: datetime, tz: str) -> list[dict[str, str]]:
    """Rows in the import format; bare dates are local days (launch 00:00, end 23:59:59)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    rows = []
    for (start, end), project in SAINT_LO:
        rows.append(project | {"starts_at": _day(today, start), "ends_at": _day(today, end)})
    for (start, end), project in TOURAINE:
        slug = project["external_id"].removeprefix("mlv-")
        launch = _day(today, start) + ("T18:00" if (start, end) == UPCOMING else "")
        rows.append(
            project
            | {
                "starts_at": launch,
                "ends_at": _day(today, end),
                "url": f"https://www.ulule.com/makeinloirevalley-{slug}/",
                "description": f"{project['description']} {MAKE_IN_LOIRE_VALLEY}",
            }
        )
    return rows


async def load_demo(
    session: AsyncSession, gazetteer: Gazetteer, now: datetime, tz: str
) -> ImportReport:
    """Create or refresh the demo campaigns (source "demo"); the caller commits."""
    records = list(enumerate(demo_rows(now, tz), start=1))
    report, rejections = await import_records(session, records, SOURCE, gazetteer, tz=tz, now=now)
    if rejections:
        raise ValueError(f"demo rows rejected: {rejections}")
    return report


async def run_demo(settings: Settings, cli_text: CliText) -> int:
    """`python -m bot demo`: load the demo campaigns into the configured database."""
    gazetteer = Gazetteer.load()
    now = datetime.now(UTC)

    async def work(session: AsyncSession) -> ImportReport:
        return await load_demo(session, gazetteer, now, settings.timezone)

    report = await in_migrated_session(settings.database_url, work)
    print(cli_text("cli.demo.loaded"))
    print_report(report, (), cli_text)
    return 0
