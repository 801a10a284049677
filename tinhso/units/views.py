from django.shortcuts import render


def unit_browser(request):
    return render(request, "units/browser.html", {})
