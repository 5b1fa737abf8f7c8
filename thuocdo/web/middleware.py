"""Language: Vietnamese for everyone unless the user picked English (cookie), whatever the browser says."""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Activate the language from the `django_language` cookie, else settings.LANGUAGE_CODE.

    Django's LocaleMiddleware would follow the browser's Accept-Language; many officials use
    English-language browsers but expect a Vietnamese system.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.allowed else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
