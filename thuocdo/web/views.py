"""Pages. Thin: they check access, call queries, render."""

from django.shortcuts import render


def home(request):
    return render(request, "web/home.html", {})
