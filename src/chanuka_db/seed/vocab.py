"""Word pools for bills, comments and the rest: the raw material of believable text.

Every string here is plain ASCII without tabs, newlines or backslashes, so rows built from
them need no escaping and look the same in every client.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BILL_STATUSES",
    "CATEGORY_TAGS",
    "COMMENT_BODIES",
    "COMMENT_CLOSERS",
    "COMMENT_OPENERS",
    "GENERIC_TAGS",
    "INTERESTS",
    "SEARCH_PHRASES",
    "SECTION_CLAUSES",
    "SUBJECTS",
    "SUMMARY_PHRASES",
    "USER_AGENTS",
]

SUBJECTS: Final[tuple[tuple[str, str], ...]] = (
    # (subject as it appears in a title, category); the first is the most popular.
    ("Finance", "finance"),
    ("Tax Laws", "finance"),
    ("Tax Procedures", "finance"),
    ("Public Finance Management", "finance"),
    ("Appropriation", "finance"),
    ("Supplementary Appropriation", "finance"),
    ("Division of Revenue", "finance"),
    ("County Allocation of Revenue", "finance"),
    ("Public Debt Management", "finance"),
    ("Affordable Housing", "finance"),
    ("Equalisation Fund", "finance"),
    ("Health Laws", "health"),
    ("Social Health Insurance", "health"),
    ("Primary Health Care", "health"),
    ("Digital Health", "health"),
    ("Facility Improvement Financing", "health"),
    ("Mental Health", "health"),
    ("Kenya Medical Supplies Authority", "health"),
    ("Tobacco Control", "health"),
    ("Quality Healthcare and Patient Safety", "health"),
    ("County Governments", "governance"),
    ("Intergovernmental Relations", "governance"),
    ("Urban Areas and Cities", "governance"),
    ("Public Participation", "governance"),
    ("Leadership and Integrity", "governance"),
    ("Conflict of Interest", "governance"),
    ("Access to Information", "governance"),
    ("Public Service Commission", "governance"),
    ("Constitution of Kenya", "governance"),
    ("Elections", "elections"),
    ("Independent Electoral and Boundaries Commission", "elections"),
    ("Political Parties", "elections"),
    ("Election Campaign Financing", "elections"),
    ("Basic Education", "education"),
    ("Universities", "education"),
    ("Higher Education Loans Board", "education"),
    ("Technical and Vocational Education and Training", "education"),
    ("Teachers Service Commission", "education"),
    ("Early Childhood Education", "education"),
    ("Agriculture and Food Authority", "agriculture"),
    ("Sugar", "agriculture"),
    ("Coffee", "agriculture"),
    ("Tea", "agriculture"),
    ("Livestock", "agriculture"),
    ("Irrigation", "agriculture"),
    ("Fisheries Management and Development", "agriculture"),
    ("Cooperatives", "agriculture"),
    ("Land Laws", "land"),
    ("Land Control", "land"),
    ("Physical and Land Use Planning", "land"),
    ("Community Land", "land"),
    ("Climate Change", "environment"),
    ("Wildlife Conservation and Management", "environment"),
    ("Forest Conservation and Management", "environment"),
    ("Water", "environment"),
    ("Sustainable Waste Management", "environment"),
    ("Energy", "energy"),
    ("Petroleum", "energy"),
    ("Mining", "energy"),
    ("Kenya Roads", "infrastructure"),
    ("Traffic", "infrastructure"),
    ("Railways", "infrastructure"),
    ("Kenya Ports Authority", "infrastructure"),
    ("Data Protection", "ict"),
    ("Computer Misuse and Cybercrimes", "ict"),
    ("Kenya Information and Communications", "ict"),
    ("Startup", "ict"),
    ("National Police Service", "security"),
    ("Kenya Defence Forces", "security"),
    ("Prevention of Terrorism", "security"),
    ("Kenya Coast Guard Service", "security"),
    ("Legal Aid", "justice"),
    ("Criminal Procedure", "justice"),
    ("Witness Protection", "justice"),
    ("Anti-Money Laundering", "justice"),
    ("Statute Law (Miscellaneous Amendments)", "justice"),
    ("Employment", "labour"),
    ("Labour Relations", "labour"),
    ("Occupational Safety and Health", "labour"),
    ("National Social Security Fund", "labour"),
    ("Persons with Disabilities", "social_protection"),
    ("Children", "social_protection"),
    ("Refugees", "social_protection"),
    ("Social Assistance", "social_protection"),
    ("Micro and Small Enterprises", "trade"),
    ("Special Economic Zones", "trade"),
    ("Competition", "trade"),
    ("Anti-Counterfeit", "trade"),
)

CATEGORY_TAGS: Final[dict[str, tuple[str, ...]]] = {
    "finance": ("taxation", "budget", "public-finance", "revenue", "cost-of-living", "debt"),
    "health": ("healthcare", "universal-health-coverage", "shif", "public-health", "medicines"),
    "governance": ("devolution", "county-governance", "integrity", "public-service"),
    "elections": ("elections", "iebc", "political-parties", "representation"),
    "education": ("education", "schools", "universities", "helb", "teachers"),
    "agriculture": ("agriculture", "farmers", "food-security", "cooperatives"),
    "land": ("land", "title-deeds", "planning", "community-land"),
    "environment": ("environment", "climate", "conservation", "water"),
    "energy": ("energy", "fuel-prices", "mining", "electricity"),
    "infrastructure": ("roads", "transport", "infrastructure", "ports"),
    "ict": ("data-protection", "privacy", "digital-economy", "cybersecurity"),
    "security": ("security", "policing", "defence"),
    "justice": ("justice", "courts", "legal-aid", "anti-corruption"),
    "labour": ("employment", "workers", "pensions", "nssf"),
    "social_protection": ("disability", "children", "social-protection", "refugees"),
    "trade": ("trade", "msme", "investment", "consumer-protection"),
}

GENERIC_TAGS: Final[tuple[str, ...]] = (
    "public-participation",
    "youth",
    "women",
    "transparency",
    "accountability",
    "county-governance",
    "national-assembly",
    "senate",
)

BILL_STATUSES: Final[tuple[str, ...]] = (
    # The stages a bill passes through, in order; a bill stops at one of them.
    "introduced",
    "first_reading",
    "committee",
    "second_reading",
    "third_reading",
    "passed",
    "assented",
)
"""Stages in order; 'rejected', 'withdrawn' and 'lapsed' end a bill early."""

SUMMARY_PHRASES: Final[tuple[str, ...]] = (
    "introduces new rates and reliefs",
    "amends the principal Act to strengthen oversight",
    "establishes a fund and a board to manage it",
    "provides for the sharing of revenue between the national and county governments",
    "sets standards and penalties for non-compliance",
    "transfers functions to county governments",
    "creates a framework for public participation",
    "repeals obsolete provisions and harmonises related laws",
    "introduces a levy on gross monthly income",
    "provides for the registration and licensing of operators",
    "requires annual reports to Parliament",
    "protects the rights of consumers and small enterprises",
)

SECTION_CLAUSES: Final[tuple[str, ...]] = (
    "The Cabinet Secretary may, by notice in the Gazette, make regulations for the better "
    "carrying into effect of this Act.",
    "A person who contravenes this section commits an offence and is liable on conviction to "
    "a fine not exceeding five million shillings or to imprisonment for a term not exceeding "
    "three years, or to both.",
    "The Board shall consist of a chairperson appointed by the President and six other members "
    "appointed by the Cabinet Secretary.",
    "Every county government shall submit a report to the Controller of Budget within thirty "
    "days after the end of each quarter.",
    "The Authority shall maintain a register of all licensed operators and publish it on its "
    "website.",
    "Nothing in this section shall be construed as limiting the powers of the county "
    "assemblies under the Fourth Schedule to the Constitution.",
    "The funds of the Authority shall comprise monies appropriated by Parliament, grants and "
    "donations, and fees charged for services.",
    "The Commission shall facilitate public participation and take into account the views of "
    "the public before making a decision.",
    "A levy shall be charged at the rate specified in the Schedule on the gross monthly income "
    "of every employee.",
    "The principal Act is amended by deleting the expression and substituting therefor a new "
    "definition.",
    "Any person aggrieved by a decision of the Tribunal may appeal to the High Court within "
    "thirty days.",
    "The Cabinet Secretary shall, within six months of the commencement of this Act, develop a "
    "national policy in consultation with the county governments.",
)

COMMENT_OPENERS: Final[tuple[str, ...]] = (
    "I support this bill because",
    "This bill is a burden on the common mwananchi:",
    "Kwa maoni yangu,",
    "As a farmer,",
    "As a small business owner in town,",
    "The committee should reconsider this section because",
    "Who was consulted on this?",
    "Good intentions, poor drafting:",
    "Wenzangu,",
    "I have read the whole bill and",
    "Our MP must explain why",
    "This is a step in the right direction:",
    "I oppose this clause since",
    "Can someone explain how",
)

COMMENT_BODIES: Final[tuple[str, ...]] = (
    "the new levy will push up the cost of unga and fuel",
    "county governments need the funds released on time",
    "public participation was rushed and only held in a few towns",
    "the housing levy should be voluntary",
    "hospitals in our county still lack basic medicines",
    "the penalties are too harsh for small traders",
    "this will finally bring order to the sector",
    "there is no clear plan for implementation",
    "teachers and nurses will bear the heaviest load",
    "the data of citizens must be protected from misuse",
    "boda boda riders were not consulted",
    "farmers will benefit if the middlemen are removed",
    "the money will be lost to corruption without oversight",
    "youth unemployment is the real problem here",
    "the bill duplicates powers that belong to the counties",
    "mwananchi hawezi kubeba ushuru zaidi",
    "hii ni mzigo mkubwa kwa wananchi wa kawaida",
)

COMMENT_CLOSERS: Final[tuple[str, ...]] = (
    "",
    "Tunataka uwazi.",
    "Please extend the deadline for submissions.",
    "MPs must listen to their constituents.",
    "Reject this bill.",
    "Pass it with amendments.",
    "Section 12 needs to be rewritten.",
    "Let the Senate look at it too.",
    "Asanteni.",
)

SEARCH_PHRASES: Final[tuple[str, ...]] = (
    "finance bill",
    "housing levy",
    "health insurance",
    "county governments",
    "tax",
    "data protection",
    "public participation",
    "education",
    "revenue",
    "land",
    "climate change",
    "police",
    "employment",
    "sugar",
)

INTERESTS: Final[tuple[str, ...]] = (
    "finance",
    "health",
    "governance",
    "elections",
    "education",
    "agriculture",
    "land",
    "environment",
    "energy",
    "infrastructure",
    "ict",
    "security",
    "justice",
    "labour",
    "social_protection",
    "trade",
    "youth",
    "women",
    "devolution",
)

USER_AGENTS: Final[tuple[str, ...]] = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; TECNO KI5q) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; Infinix X6511) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36",
    "Opera/9.80 (Android; Opera Mini/77.0/191.300; U; en) Presto/2.12.423 Version/12.16",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
)
