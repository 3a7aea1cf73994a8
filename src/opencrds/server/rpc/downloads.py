from django.http import HttpResponse


def unchecked_get(request, branch, observatory, name):
    return HttpResponse(status=404)
