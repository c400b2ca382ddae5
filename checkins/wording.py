"""What the patient's check-in pages say, in English and Spanish. Plain words; the page is opened
from a text on a phone, maybe a shared one, so it names no person and no diagnosis. Staff pages
are in English and keep their words in their templates."""

from __future__ import annotations

LANGUAGES = ("en", "es")

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "How are you doing?", "es": "¿Cómo se encuentra?"},
    "intro": {"en": "A few questions about how you have been since your visit on {when}. It takes about two "
                    "minutes, and your answers go to your care team.",
              "es": "Unas preguntas sobre cómo ha estado desde su cita del {when}. Tarda unos dos minutos y sus "
                    "respuestas llegan a su equipo de atención."},
    "rest_title": {"en": "A few more questions", "es": "Unas preguntas más"},
    "rest_intro": {"en": "Thank you. Please answer these too, then you are done.",
                   "es": "Gracias. Conteste también estas y habrá terminado."},
    "switch": {"en": "Español", "es": "English"},
    "required_note": {"en": "Every question with a choice needs an answer.",
                      "es": "Todas las preguntas con opciones necesitan una respuesta."},
    "mood": {"en": "How has your mood been since your visit?", "es": "¿Cómo ha estado su ánimo desde su cita?"},
    "mood_low": {"en": "0 = very low", "es": "0 = muy bajo"},
    "mood_high": {"en": "10 = very good", "es": "10 = muy bueno"},
    "sleep": {"en": "How well have you been sleeping?", "es": "¿Qué tal ha dormido?"},
    "sleep_low": {"en": "0 = very badly", "es": "0 = muy mal"},
    "sleep_high": {"en": "10 = very well", "es": "10 = muy bien"},
    "side_effects": {"en": "Any lingering effects from your visit? Choose all that apply.",
                     "es": "¿Tiene algún efecto que siga desde su cita? Marque todos los que correspondan."},
    "effect_none": {"en": "No lingering effects", "es": "Ningún efecto que siga"},
    "effect_nausea": {"en": "Nausea or vomiting", "es": "Náuseas o vómitos"},
    "effect_dizziness": {"en": "Dizziness", "es": "Mareos"},
    "effect_dissociation": {"en": "Feeling detached or unreal, and it has not gone away",
                            "es": "Sensación de desconexión o de irrealidad que no se ha ido"},
    "effect_other": {"en": "Something else", "es": "Otra cosa"},
    "effect_other_detail": {"en": "What else have you noticed?", "es": "¿Qué otra cosa ha notado?"},
    "free_text": {"en": "Anything else you want your care team to know? (optional)",
                  "es": "¿Algo más que quiera contarle a su equipo de atención? (opcional)"},
    "integration": {"en": "Would you like to book an integration therapy session?",
                    "es": "¿Le gustaría reservar una sesión de terapia de integración?"},
    "yes_book": {"en": "Yes, show me times", "es": "Sí, ver horarios"},
    "no_thanks": {"en": "No, not now", "es": "No, ahora no"},
    "send": {"en": "Send my answers", "es": "Enviar mis respuestas"},
    # Validation
    "fix_below": {"en": "Please check the answers marked below.", "es": "Revise las respuestas marcadas abajo."},
    "error_mood": {"en": "Choose a number from 0 to 10 for your mood.",
                   "es": "Elija un número del 0 al 10 para su ánimo."},
    "error_sleep": {"en": "Choose a number from 0 to 10 for your sleep.",
                    "es": "Elija un número del 0 al 10 para su sueño."},
    "error_side_effects": {"en": "Choose at least one answer, or “No lingering effects”.",
                           "es": "Elija al menos una respuesta, o «Ningún efecto que siga»."},
    "error_none_and_effect": {"en": "“No lingering effects” cannot be chosen together with an effect.",
                              "es": "«Ningún efecto que siga» no puede marcarse junto con un efecto."},
    "error_other_detail": {"en": "Tell us what the other effect is.", "es": "Díganos cuál es el otro efecto."},
    "error_item": {"en": "Answer question {number}: choose one of the four options.",
                   "es": "Conteste la pregunta {number}: elija una de las cuatro opciones."},
    "error_integration": {"en": "Choose yes or no.", "es": "Elija sí o no."},
    "error_too_long": {"en": "Please keep this under {limit} characters.",
                       "es": "Use menos de {limit} caracteres."},
    # After answering
    "thanks_title": {"en": "Thank you", "es": "Gracias"},
    "thanks": {"en": "Your answers were sent to your care team.",
               "es": "Sus respuestas se enviaron a su equipo de atención."},
    "already": {"en": "This check-in has already been answered. Thank you.",
                "es": "Este cuestionario ya fue contestado. Gracias."},
    "book_integration": {"en": "Book an integration session", "es": "Reservar una sesión de integración"},
    "integration_booked": {"en": "You have an integration session booked on {when}.",
                           "es": "Tiene una sesión de integración reservada el {when}."},
    "questions_call": {"en": "Questions? Call the clinic at {phone}.",
                       "es": "¿Preguntas? Llame a la clínica al {phone}."},
    # A link that works, before its check-in opens
    "not_open_title": {"en": "Not open yet", "es": "Todavía no está abierto"},
    "not_open": {"en": "This check-in is not open yet. You can answer it from {when}; we will send you a "
                       "reminder then.",
                 "es": "Este cuestionario todavía no está abierto. Puede contestarlo a partir del {when}; le "
                       "enviaremos un recordatorio entonces."},
    # A link that does not work
    "refused_title": {"en": "This link does not work", "es": "Este enlace no funciona"},
    "refused": {"en": "This check-in link is not valid or has expired. To talk to your care team, call the clinic "
                      "at {phone}.",
                "es": "Este enlace no es válido o ya venció. Para hablar con su equipo de atención, llame a la "
                      "clínica al {phone}."},
    # Crisis resources
    "crisis_title": {"en": "You are not alone", "es": "No está solo(a)"},
    "crisis_lead": {"en": "Thank you for telling us. Please reach out for support now: help is free and open "
                          "day and night.",
                    "es": "Gracias por contárnoslo. Busque apoyo ahora: la ayuda es gratis y atiende de día y de "
                          "noche."},
    "crisis_lead_open": {"en": "Help is free, confidential and open day and night. Please reach out now if you need "
                               "support.",
                         "es": "La ayuda es gratis, confidencial y atiende de día y de noche. Busque apoyo ahora si lo "
                               "necesita."},
    "danger": {"en": "If you are in immediate danger, call 911.", "es": "Si está en peligro inmediato, llame al 911."},
    "call_911": {"en": "Call 911", "es": "Llamar al 911"},
    "lifeline": {"en": "988 Suicide & Crisis Lifeline: free, confidential, 24 hours a day.",
                 "es": "988 Línea de Prevención del Suicidio y Crisis: gratis, confidencial, las 24 horas."},
    "call_988": {"en": "Call 988", "es": "Llamar al 988 (marque 2 para español)"},
    "text_988": {"en": "Text 988", "es": "Enviar AYUDA al 988"},
    "chat_988": {"en": "Chat online", "es": "Chatear en línea"},
    "veterans": {"en": "Veterans: call 988 and press 1.", "es": "Veteranos: llame al 988 y marque 1."},
    "team_alerted": {"en": "We have let your care team know, and someone will contact you. You can also call the "
                           "clinic now at {phone}.",
                     "es": "Avisamos a su equipo de atención y alguien se comunicará con usted. También puede "
                           "llamar a la clínica ahora al {phone}."},
    "clinic_line": {"en": "You can also call the clinic at {phone}.",
                    "es": "También puede llamar a la clínica al {phone}."},
    "call_clinic": {"en": "Call the clinic", "es": "Llamar a la clínica"},
}

SIDE_EFFECTS = ("nausea", "dizziness", "dissociation", "other")
NO_SIDE_EFFECTS = "none"


def say(key: str, language: str, **values) -> str:
    texts = TEXT[key]
    return texts.get(language, texts["en"]).format(**values)


def pick_language(requested: str | None, fallback: str) -> str:
    return requested if requested in LANGUAGES else (fallback if fallback in LANGUAGES else "en")


def texts(language: str) -> dict[str, str]:
    """Every text without placeholders, for a template."""
    return {key: say(key, language) for key, value in TEXT.items() if "{" not in value["en"]}


LIFELINE_CHAT_URL = "https://988lifeline.org/chat/"


def crisis_resources(language: str, *, clinic_phone: str) -> dict:
    """The crisis page's facts for an API client: 988, 911 and the clinic's own line."""
    return {
        "emergency_number": "911",
        "lifeline_number": "988",
        "lifeline_text": "988",
        "lifeline_text_keyword": "AYUDA" if language == "es" else "",
        "lifeline_chat_url": LIFELINE_CHAT_URL,
        "veterans": say("veterans", language),
        "clinic_phone": clinic_phone,
        "message": say("crisis_lead", language),
    }
