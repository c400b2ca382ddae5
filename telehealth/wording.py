"""What the visit page says, in English and Spanish (the patient's language; clinicians read
English). Plain words, no visit type or drug: the page may be open on a shared phone."""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, translation

from scheduling import timeutils

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Your video visit", "es": "Su consulta por video"},
    "clinician_title": {"en": "Video visit", "es": "Consulta por video"},
    "invalid_title": {"en": "This link does not work", "es": "Este enlace no funciona"},
    "invalid": {"en": "This link is not valid or has expired. Please use the link in your newest message from "
                      "the clinic, or call the clinic.",
                "es": "Este enlace no es válido o ya venció. Use el enlace de su mensaje más reciente de la "
                      "clínica, o llame a la clínica."},
    "when": {"en": "Your visit: {when}", "es": "Su consulta: {when}"},
    "clinician_when": {"en": "Visit: {when}", "es": "Consulta: {when}"},
    "call_clinic": {"en": "Questions? Call the clinic", "es": "¿Preguntas? Llame a la clínica"},
    "before": {"en": "This page opens at {opens}, 15 minutes before your visit. Please come back then.",
               "es": "Esta página se abre a las {opens}, 15 minutos antes de su consulta. Vuelva a esa hora."},
    "after": {"en": "This visit ended at {end}. If you missed it, please call the clinic to book another time.",
              "es": "Esta consulta terminó a las {end}. Si no pudo conectarse, llame a la clínica para "
                    "hacer otra cita."},
    "cancelled": {"en": "This visit was cancelled. Please call the clinic if you want to book again.",
                  "es": "Esta consulta fue cancelada. Llame a la clínica si quiere hacer otra cita."},
    "moved": {"en": "This visit was moved to another time. Please use the link in your newest message.",
              "es": "Esta consulta se cambió a otra hora. Use el enlace de su mensaje más reciente."},
    "identity_intro": {"en": "Before your first video visit, please confirm who you are. Type your name and "
                             "date of birth as the clinic has them.",
                       "es": "Antes de su primera consulta por video, confirme quién es. Escriba su nombre y "
                             "fecha de nacimiento como los tiene la clínica."},
    "first_name": {"en": "First name", "es": "Nombre"},
    "last_name": {"en": "Last name", "es": "Apellido"},
    "date_of_birth": {"en": "Date of birth", "es": "Fecha de nacimiento"},
    "confirm": {"en": "Confirm", "es": "Confirmar"},
    "identity_mismatch": {"en": "Those details do not match our records. Please check them and try again.",
                          "es": "Esos datos no coinciden con nuestros registros. Revíselos e intente de nuevo."},
    "identity_locked": {"en": "We could not confirm your details. Please call the clinic so we can help you join.",
                        "es": "No pudimos confirmar sus datos. Llame a la clínica para que le ayudemos a entrar."},
    "waiting": {"en": "You are in the waiting room. Your clinician will let you in shortly: please keep this "
                      "page open.",
                "es": "Está en la sala de espera. Su profesional le atenderá en breve: mantenga esta página "
                      "abierta."},
    "ready": {"en": "Your clinician is ready for you.", "es": "Su profesional le espera."},
    "join": {"en": "Join the video", "es": "Entrar al video"},
    "check_again": {"en": "Check again", "es": "Volver a comprobar"},
    "tips": {"en": "Use a quiet, private place. Allow the camera and microphone when asked.",
             "es": "Busque un lugar tranquilo y privado. Permita la cámara y el micrófono cuando se le pida."},
    # The camera and microphone check before joining (visit.js; nothing is recorded or sent).
    "device_title": {"en": "Check your camera and microphone", "es": "Pruebe su cámara y su micrófono"},
    "device_intro": {"en": "See yourself and test your sound before you join. Nothing is recorded.",
                     "es": "Véase y pruebe el sonido antes de entrar. No se graba nada."},
    "device_start": {"en": "Test camera and microphone", "es": "Probar cámara y micrófono"},
    "device_stop": {"en": "Stop the test", "es": "Terminar la prueba"},
    "device_video": {"en": "Your camera", "es": "Su cámara"},
    "device_level": {"en": "Microphone level", "es": "Nivel del micrófono"},
    "device_asking": {"en": "Your browser may ask to use the camera and microphone: choose Allow.",
                      "es": "Su navegador puede pedirle usar la cámara y el micrófono: elija Permitir."},
    "device_ok": {"en": "Your camera and microphone work. Speak, and the bar moves. The test stops when you join.",
                  "es": "Su cámara y su micrófono funcionan. Hable y la barra se mueve. La prueba termina al entrar."},
    "device_blocked": {"en": "Your browser blocked the camera and microphone. To allow them, tap the lock or camera "
                             "icon next to the address, choose Allow, then test again. You can still join and "
                             "allow them there.",
                       "es": "Su navegador bloqueó la cámara y el micrófono. Para permitirlos, toque el candado o el "
                             "ícono de cámara junto a la dirección, elija Permitir y vuelva a probar. También puede "
                             "entrar y permitirlos allí."},
    "device_missing": {"en": "No camera or microphone was found. Connect one, or use a phone with a camera.",
                       "es": "No se encontró una cámara ni un micrófono. Conecte uno o use un celular con cámara."},
    "device_busy": {"en": "Another app is using the camera or microphone. Close it, then test again.",
                    "es": "Otra aplicación está usando la cámara o el micrófono. Ciérrela y vuelva a probar."},
    "device_unsupported": {"en": "This browser cannot test the camera here. Try Chrome, Safari or Firefox, "
                                 "or join and allow the camera there.",
                           "es": "Este navegador no puede probar la cámara aquí. Use Chrome, Safari o Firefox, "
                                 "o entre y permita la cámara allí."},
    "dial_in_summary": {"en": "Poor connection? Join by phone", "es": "¿Mala conexión? Entre por teléfono"},
    "dial_in": {"en": "Call {number}.", "es": "Llame al {number}."},
    "dial_in_code": {"en": "When asked, enter {code}.", "es": "Cuando se le pida, marque {code}."},
    "video_only": {"en": "This visit must be by video; it cannot be done by phone only.",
                   "es": "Esta consulta debe ser por video; no se puede hacer solo por teléfono."},
}

_WHEN_FORMATS = {"en": r"l, F j \a\t g:i A T", "es": r"l j \d\e F, H:i T"}
_CLOCK_FORMATS = {"en": "g:i A", "es": "H:i"}


def say(key: str, language: str, **values) -> str:
    texts = TEXT[key]
    return texts.get(language, texts["en"]).format(**values)


def _format(instant: dt.datetime, zone_name: str, language: str, formats: dict[str, str]) -> str:
    local = timeutils.to_local(instant, timeutils.zone(zone_name))
    with translation.override(language):
        return dateformat.format(local, formats.get(language, formats["en"]))


def when(instant: dt.datetime, *, zone_name: str, language: str) -> str:
    """'Monday, March 10 at 9:00 AM MST' / 'lunes 10 de marzo, 09:00 MST'."""
    return _format(instant, zone_name, language, _WHEN_FORMATS)


def clock(instant: dt.datetime, *, zone_name: str, language: str) -> str:
    return _format(instant, zone_name, language, _CLOCK_FORMATS)
