"""Kenyan reference data for the generator: counties, the 290 constituencies, parties, names."""

from __future__ import annotations

from typing import Final

__all__ = [
    "CONSTITUENCIES",
    "COUNTIES",
    "FEMALE_NAMES",
    "MALE_NAMES",
    "PARTIES",
    "SURNAMES",
]

# The 47 counties with their constituencies (290 in all), in the official county order.
_COUNTY_CONSTITUENCIES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Mombasa", ("Changamwe", "Jomvu", "Kisauni", "Nyali", "Likoni", "Mvita")),
    ("Kwale", ("Msambweni", "Lunga Lunga", "Matuga", "Kinango")),
    (
        "Kilifi",
        ("Kilifi North", "Kilifi South", "Kaloleni", "Rabai", "Ganze", "Malindi", "Magarini"),
    ),
    ("Tana River", ("Garsen", "Galole", "Bura")),
    ("Lamu", ("Lamu East", "Lamu West")),
    ("Taita Taveta", ("Taveta", "Wundanyi", "Mwatate", "Voi")),
    ("Garissa", ("Garissa Township", "Balambala", "Lagdera", "Dadaab", "Fafi", "Ijara")),
    ("Wajir", ("Wajir North", "Wajir East", "Tarbaj", "Wajir West", "Eldas", "Wajir South")),
    (
        "Mandera",
        ("Mandera West", "Banissa", "Mandera North", "Mandera South", "Mandera East", "Lafey"),
    ),
    ("Marsabit", ("Moyale", "North Horr", "Saku", "Laisamis")),
    ("Isiolo", ("Isiolo North", "Isiolo South")),
    (
        "Meru",
        (
            "Igembe South",
            "Igembe Central",
            "Igembe North",
            "Tigania West",
            "Tigania East",
            "North Imenti",
            "Buuri",
            "Central Imenti",
            "South Imenti",
        ),
    ),
    ("Tharaka-Nithi", ("Maara", "Chuka/Igambang'ombe", "Tharaka")),
    ("Embu", ("Manyatta", "Runyenjes", "Mbeere South", "Mbeere North")),
    (
        "Kitui",
        (
            "Mwingi North",
            "Mwingi West",
            "Mwingi Central",
            "Kitui West",
            "Kitui Rural",
            "Kitui Central",
            "Kitui East",
            "Kitui South",
        ),
    ),
    (
        "Machakos",
        (
            "Masinga",
            "Yatta",
            "Kangundo",
            "Matungulu",
            "Kathiani",
            "Mavoko",
            "Machakos Town",
            "Mwala",
        ),
    ),
    ("Makueni", ("Mbooni", "Kilome", "Kaiti", "Makueni", "Kibwezi West", "Kibwezi East")),
    ("Nyandarua", ("Kinangop", "Kipipiri", "Ol Kalou", "Ol Jorok", "Ndaragwa")),
    ("Nyeri", ("Tetu", "Kieni", "Mathira", "Othaya", "Mukurweini", "Nyeri Town")),
    ("Kirinyaga", ("Mwea", "Gichugu", "Ndia", "Kirinyaga Central")),
    (
        "Murang'a",
        ("Kangema", "Mathioya", "Kiharu", "Kigumo", "Maragwa", "Kandara", "Gatanga"),
    ),
    (
        "Kiambu",
        (
            "Gatundu South",
            "Gatundu North",
            "Juja",
            "Thika Town",
            "Ruiru",
            "Githunguri",
            "Kiambu",
            "Kiambaa",
            "Kabete",
            "Kikuyu",
            "Limuru",
            "Lari",
        ),
    ),
    (
        "Turkana",
        (
            "Turkana North",
            "Turkana West",
            "Turkana Central",
            "Loima",
            "Turkana South",
            "Turkana East",
        ),
    ),
    ("West Pokot", ("Kapenguria", "Sigor", "Kacheliba", "Pokot South")),
    ("Samburu", ("Samburu West", "Samburu North", "Samburu East")),
    ("Trans Nzoia", ("Kwanza", "Endebess", "Saboti", "Kiminini", "Cherangany")),
    ("Uasin Gishu", ("Soy", "Turbo", "Moiben", "Ainabkoi", "Kapseret", "Kesses")),
    ("Elgeyo-Marakwet", ("Marakwet East", "Marakwet West", "Keiyo North", "Keiyo South")),
    ("Nandi", ("Tinderet", "Aldai", "Nandi Hills", "Chesumei", "Emgwen", "Mosop")),
    (
        "Baringo",
        (
            "Tiaty",
            "Baringo North",
            "Baringo Central",
            "Baringo South",
            "Mogotio",
            "Eldama Ravine",
        ),
    ),
    ("Laikipia", ("Laikipia West", "Laikipia East", "Laikipia North")),
    (
        "Nakuru",
        (
            "Molo",
            "Njoro",
            "Naivasha",
            "Gilgil",
            "Kuresoi South",
            "Kuresoi North",
            "Subukia",
            "Rongai",
            "Bahati",
            "Nakuru Town West",
            "Nakuru Town East",
        ),
    ),
    (
        "Narok",
        (
            "Kilgoris",
            "Emurua Dikirr",
            "Narok North",
            "Narok East",
            "Narok South",
            "Narok West",
        ),
    ),
    (
        "Kajiado",
        ("Kajiado North", "Kajiado Central", "Kajiado East", "Kajiado West", "Kajiado South"),
    ),
    (
        "Kericho",
        ("Kipkelion East", "Kipkelion West", "Ainamoi", "Bureti", "Belgut", "Sigowet/Soin"),
    ),
    ("Bomet", ("Sotik", "Chepalungu", "Bomet East", "Bomet Central", "Konoin")),
    (
        "Kakamega",
        (
            "Lugari",
            "Likuyani",
            "Malava",
            "Lurambi",
            "Navakholo",
            "Mumias West",
            "Mumias East",
            "Matungu",
            "Butere",
            "Khwisero",
            "Shinyalu",
            "Ikolomani",
        ),
    ),
    ("Vihiga", ("Vihiga", "Sabatia", "Hamisi", "Luanda", "Emuhaya")),
    (
        "Bungoma",
        (
            "Mt. Elgon",
            "Sirisia",
            "Kabuchai",
            "Bumula",
            "Kanduyi",
            "Webuye East",
            "Webuye West",
            "Kimilili",
            "Tongaren",
        ),
    ),
    (
        "Busia",
        ("Teso North", "Teso South", "Nambale", "Matayos", "Butula", "Funyula", "Budalangi"),
    ),
    ("Siaya", ("Ugenya", "Ugunja", "Alego Usonga", "Gem", "Bondo", "Rarieda")),
    (
        "Kisumu",
        (
            "Kisumu East",
            "Kisumu West",
            "Kisumu Central",
            "Seme",
            "Nyando",
            "Muhoroni",
            "Nyakach",
        ),
    ),
    (
        "Homa Bay",
        (
            "Kasipul",
            "Kabondo Kasipul",
            "Karachuonyo",
            "Rangwe",
            "Homa Bay Town",
            "Ndhiwa",
            "Suba North",
            "Suba South",
        ),
    ),
    (
        "Migori",
        (
            "Rongo",
            "Awendo",
            "Suna East",
            "Suna West",
            "Uriri",
            "Nyatike",
            "Kuria West",
            "Kuria East",
        ),
    ),
    (
        "Kisii",
        (
            "Bonchari",
            "South Mugirango",
            "Bomachoge Borabu",
            "Bobasi",
            "Bomachoge Chache",
            "Nyaribari Masaba",
            "Nyaribari Chache",
            "Kitutu Chache North",
            "Kitutu Chache South",
        ),
    ),
    ("Nyamira", ("Kitutu Masaba", "West Mugirango", "North Mugirango", "Borabu")),
    (
        "Nairobi",
        (
            "Westlands",
            "Dagoretti North",
            "Dagoretti South",
            "Lang'ata",
            "Kibra",
            "Roysambu",
            "Kasarani",
            "Ruaraka",
            "Embakasi South",
            "Embakasi North",
            "Embakasi Central",
            "Embakasi East",
            "Embakasi West",
            "Makadara",
            "Kamukunji",
            "Starehe",
            "Mathare",
        ),
    ),
)

COUNTIES: Final[tuple[str, ...]] = tuple(county for county, _ in _COUNTY_CONSTITUENCIES)
"""The 47 counties."""

CONSTITUENCIES: Final[tuple[tuple[str, str], ...]] = tuple(
    (name, county) for county, names in _COUNTY_CONSTITUENCIES for name in names
)
"""The 290 constituencies as (constituency, county)."""

PARTIES: Final[tuple[tuple[str, int], ...]] = (
    ("UDA", 145),
    ("ODM", 86),
    ("Jubilee", 28),
    ("Wiper", 24),
    ("ANC", 7),
    ("UDM", 7),
    ("Ford-Kenya", 6),
    ("KANU", 6),
    ("DAP-K", 5),
    ("Independent", 12),
)
"""Parties with a weight close to their seats in the 13th Parliament."""

MALE_NAMES: Final[tuple[str, ...]] = (
    "Abdi", "Amos", "Barasa", "Benson", "Brian", "Charles", "Collins", "Daniel", "David",
    "Dennis", "Edwin", "Elijah", "Emmanuel", "Evans", "Felix", "Francis", "Geoffrey", "George",
    "Gideon", "Hassan", "Ibrahim", "Isaac", "James", "Jared", "John", "Joseph", "Kelvin",
    "Kennedy", "Kevin", "Kipchoge", "Kiprono", "Moses", "Mohamed", "Nelson", "Nicholas",
    "Omar", "Otieno", "Patrick", "Paul", "Peter", "Philip", "Robert", "Samuel", "Simon",
    "Stephen", "Timothy", "Victor", "Vincent", "Wafula", "William",
)  # fmt: skip

FEMALE_NAMES: Final[tuple[str, ...]] = (
    "Achieng", "Agnes", "Akinyi", "Amina", "Anne", "Atieno", "Beatrice", "Caroline",
    "Catherine", "Chebet", "Cynthia", "Esther", "Eunice", "Faith", "Fatuma", "Gladys", "Grace",
    "Hellen", "Irene", "Janet", "Jane", "Joyce", "Judith", "Jepkosgei", "Lucy", "Margaret",
    "Mary", "Mercy", "Naliaka", "Nancy", "Njeri", "Nyambura", "Purity", "Rose", "Ruth", "Sarah",
    "Sharon", "Stella", "Susan", "Wambui", "Wanjiku", "Wairimu", "Winnie", "Zainabu", "Zipporah",
)  # fmt: skip

SURNAMES: Final[tuple[str, ...]] = (
    "Achieng", "Adan", "Bett", "Chege", "Cheruiyot", "Chelimo", "Gachanja", "Gathoni",
    "Hussein", "Kamau", "Kariuki", "Keter", "Kibet", "Kimani", "Kinyua", "Kiprop", "Kirui",
    "Koech", "Korir", "Kosgei", "Langat", "Lagat", "Macharia", "Maina", "Makau", "Masinde",
    "Mbugua", "Mohamed", "Muriuki", "Musyoka", "Mutai", "Mutua", "Mwangi", "Mwende", "Mwikali",
    "Njoroge", "Njuguna", "Nyaga", "Obiero", "Ochieng", "Odhiambo", "Odongo", "Ogola", "Okello",
    "Okoth", "Omondi", "Onyango", "Otieno", "Ouma", "Owino", "Rotich", "Ruto", "Salim", "Wafula",
    "Wambua", "Wanjala", "Wanyama", "Waweru", "Wekesa", "Were",
)  # fmt: skip
