"""A Django project in one file, served by tauri_sidecar.run as the README's recipe has it:
GET /api/hello answers "hello from django"; POST /api/echo answers its body. The API is
exempt from Django's CSRF check: the guard's bearer token and Origin check protect it, and a
browser cannot forge either (CSRF rides on cookies). CSRF_TRUSTED_ORIGINS names the webview's
origins for views that keep the check (forms with a CSRF token)."""
import django
from django.conf import settings

import tauri_sidecar

settings.configure(
    SECRET_KEY="only-for-this-test",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
    CSRF_TRUSTED_ORIGINS=[*tauri_sidecar.WEBVIEW_ORIGINS, *tauri_sidecar.config().origins],
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello from django")


@csrf_exempt
def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body)


urlpatterns = [path("api/hello", hello), path("api/echo", echo)]

if __name__ == "__main__":
    tauri_sidecar.run(get_wsgi_application())
