"""Default risk words, clinic-wide, in English and Spanish: phrases about ending one's life or
self-harm that must reach a clinician at once whatever the PHQ-9 says. Clinics add, edit or
deactivate rules in the admin; keywords match at word starts with case and accents ignored."""

from django.db import migrations

RULES = [
    ("en", "suicid", "Mentions suicide"),
    ("en", "kill myself", "Mentions killing themselves"),
    ("en", "end my life", "Mentions ending their life"),
    ("en", "take my life", "Mentions ending their life"),
    ("en", "want to die", "Says they want to die"),
    ("en", "better off dead", "Says they would be better off dead"),
    ("en", "hurt myself", "Mentions hurting themselves"),
    ("en", "harm myself", "Mentions harming themselves"),
    ("en", "self harm", "Mentions self-harm"),
    ("en", "overdose", "Mentions an overdose"),
    ("en", "no reason to live", "Says they have no reason to live"),
    ("es", "suicid", "Menciona el suicidio"),
    ("es", "matarme", "Menciona matarse"),
    ("es", "quitarme la vida", "Menciona quitarse la vida"),
    ("es", "acabar con mi vida", "Menciona acabar con su vida"),
    ("es", "quiero morir", "Dice que quiere morir"),
    ("es", "no quiero vivir", "Dice que no quiere vivir"),
    ("es", "mejor muerto", "Dice que estaría mejor muerto"),
    ("es", "mejor muerta", "Dice que estaría mejor muerta"),
    ("es", "hacerme dano", "Menciona hacerse daño"),
    ("es", "lastimarme", "Menciona lastimarse"),
    ("es", "sobredosis", "Menciona una sobredosis"),
]


def add_rules(apps, schema_editor):
    RiskRule = apps.get_model("checkins", "RiskRule")
    RiskRule.objects.bulk_create([RiskRule(kind="keyword", language=language, pattern=pattern, description=description)
                                  for language, pattern, description in RULES])


def remove_rules(apps, schema_editor):
    RiskRule = apps.get_model("checkins", "RiskRule")
    RiskRule.objects.filter(kind="keyword", location__isnull=True, pattern__in=[p for _, p, _ in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("checkins", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
