"""Placeholder; replaced below."""
from django.http import JsonResponse


def json_rpc(request, suffix=""):
    return JsonResponse({})


def health(request):
    return JsonResponse({"status": "ok"})
