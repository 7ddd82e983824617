"""Reference data of the generated business: names, pipelines and their stages, campaigns, ticket texts,
surveys, offsets and the fixed weights the journeys draw from.

Every string here goes into the JSON Lines output unescaped (see `writing`), so none may hold a quote, a
backslash or a control character; the tests check them all.
"""

from __future__ import annotations

from .options import HOUR

BASE_CURRENCY = "USD"


# (latin, Persian script)
FA_FIRST = (
    ("Reza", "رضا"), ("Ali", "علی"), ("Mohammad", "محمد"), ("Hossein", "حسین"), ("Mehdi", "مهدی"),
    ("Amir", "امیر"), ("Hamid", "حمید"), ("Saeed", "سعید"), ("Majid", "مجید"), ("Omid", "امید"),
    ("Kian", "کیان"), ("Arash", "آرش"), ("Babak", "بابک"), ("Dariush", "داریوش"), ("Farhad", "فرهاد"),
    ("Kaveh", "کاوه"), ("Navid", "نوید"), ("Pouya", "پویا"), ("Sina", "سینا"), ("Payam", "پیام"),
    ("Sara", "سارا"), ("Maryam", "مریم"), ("Fatemeh", "فاطمه"), ("Zahra", "زهرا"), ("Nazanin", "نازنین"),
    ("Leila", "لیلا"), ("Mina", "مینا"), ("Neda", "ندا"), ("Parisa", "پریسا"), ("Shirin", "شیرین"),
    ("Azadeh", "آزاده"), ("Roya", "رویا"), ("Elham", "الهام"), ("Niloufar", "نیلوفر"), ("Golnaz", "گلناز"),
    ("Yasaman", "یاسمن"), ("Setareh", "ستاره"), ("Hanieh", "هانیه"), ("Mahsa", "مهسا"), ("Ladan", "لادن"),
)
FA_LAST = (
    ("Ahmadi", "احمدی"), ("Karimi", "کریمی"), ("Hosseini", "حسینی"), ("Mohammadi", "محمدی"),
    ("Rezaei", "رضایی"), ("Moradi", "مرادی"), ("Jafari", "جعفری"), ("Rahimi", "رحیمی"),
    ("Hashemi", "هاشمی"), ("Ebrahimi", "ابراهیمی"), ("Kazemi", "کاظمی"), ("Sadeghi", "صادقی"),
    ("Ghasemi", "قاسمی"), ("Rostami", "رستمی"), ("Tehrani", "تهرانی"), ("Shirazi", "شیرازی"),
    ("Esfahani", "اصفهانی"), ("Tabrizi", "تبریزی"), ("Nouri", "نوری"), ("Farahani", "فراهانی"),
    ("Bagheri", "باقری"), ("Azizi", "عزیزی"), ("Safavi", "صفوی"), ("Najafi", "نجفی"), ("Zand", "زند"),
    ("Amini", "امینی"), ("Yazdani", "یزدانی"), ("Mousavi", "موسوی"), ("Kamali", "کمالی"),
    ("Soltani", "سلطانی"),
)
EN_FIRST = (
    "Emma", "Olivia", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Lena", "Grace", "Chloe", "Lucy", "Hannah",
    "Julia", "Anna", "Ella", "Ruby", "Zoe", "Claire", "Nora", "Alice", "Marta", "Sofia", "Liam", "Noah",
    "James", "Oliver", "Lucas", "Henry", "Jack", "Ethan", "Daniel", "Samuel", "Leo", "Owen", "Adam", "Ryan",
    "Nathan", "Thomas", "Peter", "Mark", "David", "Piotr", "Jonas", "Mateo",
)
EN_LAST = (
    "Smith", "Johnson", "Brown", "Taylor", "Clark", "Walker", "Wright", "Hill", "Green", "Baker", "Adams",
    "Nelson", "Carter", "Mitchell", "Turner", "Parker", "Collins", "Evans", "Morris", "Murphy", "Cook",
    "Bell", "Ward", "Cooper", "Reed", "Bailey", "Kelly", "Howard", "Fischer", "Novak", "Rossi", "Kowalski",
    "Larsen",
)
EN_COMPANY_A = (
    "Blue River", "Northwind", "Summit", "Brightline", "Cedar", "Ironbridge", "Silverleaf", "Redwood",
    "Harbor", "Pioneer", "Evergreen", "Atlas", "Keystone", "Lakeside", "Granite", "Orbit", "Sterling",
    "Maple", "Falcon", "Crescent", "Beacon", "Copper Hill", "Westgate", "Sunrise",
)
EN_COMPANY_B = (
    "Logistics", "Analytics", "Foods", "Health", "Systems", "Media", "Retail", "Energy", "Labs", "Consulting",
    "Travel", "Finance", "Robotics", "Studio", "Textiles", "Software", "Dental", "Architects",
)
EN_COMPANY_SUFFIX = ("", "", " Ltd", " Inc.", " GmbH", " Group", " LLC")
FA_COMPANY_A = (
    ("Aria", "آریا"), ("Pars", "پارس"), ("Alborz", "البرز"), ("Sepehr", "سپهر"), ("Aseman", "آسمان"),
    ("Novin", "نوین"), ("Kourosh", "کوروش"), ("Damavand", "دماوند"), ("Mehregan", "مهرگان"),
    ("Saman", "سامان"), ("Persian", "پرشین"), ("Arvand", "اروند"),
)
FA_COMPANY_B = (
    ("Ertebat", "ارتباط"), ("Tejarat", "تجارت"), ("Fanavari", "فناوری"), ("Pakhsh", "پخش"),
    ("Sanat", "صنعت"), ("System", "سیستم"), ("Dadeh", "داده"), ("Negar", "نگار"), ("Tadbir", "تدبیر"),
    ("Gostar", "گستر"),
)

LOST_REASONS = ("price", "chose competitor", "no decision", "no budget", "timing", "missing feature")
CHURN_REASONS = (
    "moved to competitor", "too expensive", "no longer needed", "went out of business",
    "poor support experience", "merged with another company",
)

# (external_id, name, probability, median days in stage, chance to move on (or, last stage: to win))
NEW_BUSINESS = (
    ("st-1", "Qualified", 0.1, 6.0, 0.55),
    ("st-2", "Demo", 0.3, 9.0, 0.65),
    ("st-3", "Proposal", 0.6, 11.0, 0.75),
    ("st-4", "Negotiation", 0.8, 9.0, 0.75),
)
EXPANSION = (
    ("st-5", "Discovery", 0.3, 7.0, 0.8),
    ("st-6", "Quote", 0.6, 8.0, 0.8),
    ("st-7", "Commit", 0.85, 6.0, 0.85),
)
PIPELINES = (("p-1", "New business", NEW_BUSINESS), ("p-2", "Expansion", EXPANSION))

CAMPAIGN_NAMES = {
    "email": ("Spring mailing", "Monthly newsletter", "Nowruz offer mailing"),
    "social": ("Social ads", "LinkedIn sponsored posts", "Instagram stories"),
    "search": ("Search ads - brand", "Search ads - generic"),
    "event": ("Trade fair booth", "Customer summit", "Webinar series"),
    "referral": ("Partner referrals", "Customer referral program"),
    "other": ("Podcast sponsorship", "Print ads"),
}

# Offsets a record's timestamps are written in: (seconds, text, weight for English-speaking customers).
OFFSETS = ((0, "+00:00", 45), (-5 * HOUR, "-05:00", 30), (HOUR, "+01:00", 15), (12_600, "+03:30", 10))
TEHRAN = 3  # index of +03:30 in OFFSETS

TICKET_TOPICS = (
    ("Cannot log in", "نمی‌توانم وارد حساب شوم", "I can't log in since this morning.",
     "از صبح نمی‌توانم وارد حساب کاربری‌ام شوم."),
    ("Question about my invoice", "سؤال درباره فاکتور", "The amount on the latest invoice looks wrong.",
     "مبلغ فاکتور آخر اشتباه به نظر می‌رسد."),
    ("Export to Excel fails", "خروجی اکسل کار نمی‌کند", "Exporting the report to Excel gives an error.",
     "هنگام گرفتن خروجی اکسل از گزارش خطا می‌گیرم."),
    ("Calendar sync stopped", "همگام‌سازی تقویم متوقف شده", "Our calendar stopped syncing yesterday.",
     "همگام‌سازی تقویم از دیروز کار نمی‌کند."),
    ("Add users to our plan", "افزودن کاربر به اشتراک", "We need five more seats on our plan.",
     "به پنج کاربر بیشتر در اشتراکمان نیاز داریم."),
    ("Error 500 on the reports page", "خطای ۵۰۰ در صفحه گزارش‌ها", "The reports page shows error 500.",
     "صفحه گزارش‌ها خطای ۵۰۰ نشان می‌دهد."),
    ("Feature request: custom fields", "درخواست قابلیت: فیلدهای سفارشی", "Can we add custom fields to deals?",
     "آیا می‌شود به معامله‌ها فیلد سفارشی اضافه کرد؟"),
    ("Password reset email not received", "ایمیل بازیابی رمز نرسید",
     "The password reset email never arrives.", "ایمیل بازیابی رمز عبور به دستم نمی‌رسد."),
    ("Dashboard is very slow", "داشبورد خیلی کند است", "The dashboard takes a minute to load.",
     "بارگذاری داشبورد یک دقیقه طول می‌کشد."),
    ("How do I cancel my subscription?", "لغو اشتراک", "How can I cancel or pause our subscription?",
     "چطور می‌توانم اشتراکمان را لغو یا متوقف کنم؟"),
)
AGENT_REPLIES = (
    ("Thanks for reaching out, we are looking into it.", "ممنون از پیامتان، در حال بررسی هستیم."),
    ("Could you send us a screenshot of the error?", "لطفاً از خطا یک اسکرین‌شات بفرستید."),
    ("We have found the cause and are working on a fix.", "علت را پیدا کردیم و در حال رفع آن هستیم."),
    ("Could you try again now?", "لطفاً دوباره امتحان کنید."),
)
AGENT_CLOSING = (
    ("This is fixed now. Let us know if anything else comes up.",
     "مشکل برطرف شد. اگر سؤال دیگری بود در خدمتیم."),
    ("Done! Your account has been updated.", "انجام شد! حساب شما به‌روزرسانی شد."),
)
CUSTOMER_FOLLOW_UPS = (
    ("Any update on this?", "خبری نشد؟"),
    ("Here is the screenshot you asked for.", "این هم اسکرین‌شاتی که خواستید."),
    ("It still does not work for me.", "هنوز برای من کار نمی‌کند."),
    ("Thanks, that helped.", "ممنون، مشکل حل شد."),
)
INTERNAL_NOTES = (
    "Escalated to engineering.", "Known issue, linked to the incident.", "Customer is on the annual plan.",
    "Checked the logs, nothing unusual.", "Offered a discount on the next invoice.",
)
COMMENTS = {
    "good": (("Great service, thank you!", "خدمات عالی، ممنون!"), ("Quick and helpful.", "سریع و مفید.")),
    "mid": (("It was fine.", "بد نبود."), ("Took a bit long but solved.", "کمی طول کشید ولی حل شد.")),
    "bad": (("Too slow to respond.", "پاسخگویی خیلی کند بود."),
            ("The problem keeps coming back.", "مشکل مدام تکرار می‌شود.")),
}
DEAL_TITLES_NEW = ("Starter plan", "Team plan", "Business plan", "Enterprise plan")
DEAL_TITLES_UPSELL = ("Premium support add-on", "Analytics module", "Extra storage", "API access")

# Surveys: external_id, name, kind.
SURVEYS = (
    ("sv-nps", "Relationship NPS", "nps"),
    ("sv-nps-onboarding", "Onboarding NPS", "nps"),
    ("sv-csat", "After-support CSAT", "csat"),
    ("sv-ces", "Support effort (CES)", "ces"),
    ("sv-servqual", "Service quality (SERVQUAL)", "servqual"),
)
SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
# Cumulative weights of scores (index = score - low).
NPS_CUM = (4, 6, 8, 11, 14, 19, 25, 37, 53, 75, 100)
CSAT_CUM = (7, 12, 22, 50, 100)
CES_CUM = (30, 62, 82, 93, 100)

# First response / resolution medians in hours by priority (SLA targets: 1/8, 4/24, 8/72, 24/168).
PRIORITIES = (("low", 20, 10.0, 60.0, 168), ("normal", 55, 3.5, 26.0, 72),
               ("high", 20, 1.5, 10.0, 24), ("urgent", 5, 0.4, 3.5, 8))
PRIORITY_CUM = (20, 75, 95, 100)
CHANNELS = ("email", "web", "chat", "phone")
CHANNEL_CUM = (40, 65, 85, 100)

LOST_CUM = (28, 50, 70, 84, 94, 100)  # cumulative weights of LOST_REASONS
P_COMPANY = 0.36  # share of customers that are companies (contacts ≈ 4 x companies overall)

# The demo's shared lists in Persian (setup_demo writes them to `name_fa`; the dataset format has no such
# field, so an import of any other business leaves them empty until a manager names them).
PERSIAN_NAMES = {
    "pipeline": {"New business": "فروش جدید", "Expansion": "توسعه مشتریان"},
    "stage": {"Qualified": "واجد شرایط", "Demo": "نمایش محصول", "Proposal": "پیشنهاد", "Negotiation": "مذاکره",
              "Discovery": "نیازسنجی", "Quote": "پیش‌فاکتور", "Commit": "تعهد"},
    "lost_reason": {"price": "قیمت", "chose competitor": "انتخاب رقیب", "no decision": "بدون تصمیم",
                    "no budget": "نبود بودجه", "timing": "زمان نامناسب", "missing feature": "نبود قابلیت لازم"},
    "team": {"North": "شمال", "South": "جنوب", "East": "شرق", "West": "غرب", "Central": "مرکز",
             "Enterprise": "سازمانی", "Partners": "شرکا", "Inside": "فروش داخلی", "Care": "پشتیبانی",
             "Care Tier 2": "پشتیبانی سطح ۲", "Care Nights": "پشتیبانی شبانه"},
}
