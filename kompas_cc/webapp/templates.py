"""Jinja2 set-up: autoescaping, translations and formatters in every template's context."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup

from kompas_cc.core.actor import Actor
from kompas_cc.core.i18n import Formatter, pick_locale, translations
from kompas_cc.webapp import keys
from kompas_cc.webapp.context import current_actor, session

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def request_locale(request: web.Request) -> str:
    cached = request.get(keys.LOCALE)
    if cached is not None:
        return str(cached)
    who: Actor | None = current_actor(request)
    preferred = who.locale if who else session(request).locale
    locale = pick_locale(preferred, request.headers.get("Accept-Language"))
    request[keys.LOCALE] = locale
    return locale


def gettext(request: web.Request, message: str, **params: Any) -> str:
    text = translations(request_locale(request)).gettext(message)
    return text % params if params else text


def formatter(request: web.Request) -> Formatter:
    settings = request.app[keys.SETTINGS]
    who = current_actor(request)
    zone = who.timezone if who else settings.default_timezone
    return Formatter(request_locale(request), zone, settings.default_region)


def base_context(request: web.Request) -> dict[str, Any]:
    """What every template may use: translations, formatters, the user, CSRF, flashes."""
    locale = request_locale(request)
    trans = translations(locale)

    def _(message: str, **params: Any) -> str:
        text = trans.gettext(message)
        return text % params if params else text

    def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
        text = trans.ngettext(singular, plural, n)
        return text % {"num": n, **params}

    sess = session(request)
    fmt = formatter(request)

    def url_with(**changes: Any) -> str:
        query = {k: request.query.getall(k) for k in request.query}
        for key, value in changes.items():
            if value is None:
                query.pop(key, None)
            else:
                query[key] = [str(value)]
        pairs = [(k, v) for k, values in query.items() for v in values]
        return request.path + ("?" + urlencode(pairs) if pairs else "")

    return {
        "_": _,
        "gettext": _,
        "ngettext": ngettext,
        "locale": locale,
        "actor": current_actor(request),
        "csrf_token": sess.csrf,
        "csrf_field": Markup('<input type="hidden" name="_csrf" value="{}">').format(sess.csrf),
        "flashes": sess.pop_flashes(),
        "fmt": fmt,
        "request": request,
        "url_with": url_with,
    }


def setup_templates(app: web.Application) -> None:
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    full = {**base_context(request), **context}
    response = aiohttp_jinja2.render_template(template, request, full, status=status)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
