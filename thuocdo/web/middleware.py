"""Page middleware: the chosen language, and a bad parameter answered 400 on the page instead of a 500."""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from thuocdo.errors import InvalidParameter


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


class InvalidParameterMiddleware:
    """Answer every InvalidParameter a page, fragment or export raises with status 400, not a 500.

    A period outside 2000–2100, a metric or level that does not exist…: a page in the site's layout
    naming the parameter, or for a fragment (htmx) just the message. One place, not one per view; the
    API answers the same error as JSON itself (`thuocdo.api`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, InvalidParameter):
            return None
        return invalid_parameter_response(request, exception)


def invalid_parameter_response(request, error: InvalidParameter):
    """The 400 answer to a bad parameter: the message page, or the small message a fragment swaps in."""
    match = request.resolver_match
    fragment = request.headers.get("HX-Request") == "true" or (match is not None and match.url_name == "fragment")
    template = "web/fragments/_invalid.html" if fragment else "web/400.html"
    return render(request, template, {"param": error.param, "message": error.message}, status=400)
