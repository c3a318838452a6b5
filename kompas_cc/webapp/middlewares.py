"""Sessions, errors, authentication and CSRF, applied to every request in that order."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import Forbidden, KompasError, NotAuthenticated
from kompas_cc.webapp import keys
from kompas_cc.webapp.context import dumps, session
from kompas_cc.webapp.routing import spec_of
from kompas_cc.webapp.sessions import COOKIE_NAME, decode_session, encode_session
from kompas_cc.webapp.templates import gettext, render

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_response(
    request: web.Request,
    status: int,
    error_id: str,
    message: str,
    fields: dict[str, str] | None = None,
) -> web.Response:
    if is_api(request):
        body = {"error_id": error_id, "message": message, "fields": fields or {}}
        return web.Response(text=dumps(body), status=status, content_type="application/json")
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/error.html"
    context = {
        "status": status,
        "error_id": error_id,
        "message": message,
        "fields": fields or {},
        "request_id": request.get(keys.REQUEST_ID, ""),
    }
    return render(request, template, context, status=status)


@web.middleware
async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Session, then errors around authentication, CSRF and the handler.

    One middleware rather than four: every aiohttp middleware layer costs a few
    microseconds per request, which the phone lookup behind call pop-ups feels.
    """
    settings = request.app[keys.SETTINGS]
    secret = request.app[keys.SECRET]
    request[keys.REQUEST_ID] = secrets.token_hex(6)
    sess = decode_session(
        request.cookies.get(COOKIE_NAME), secret, settings.session_max_age_s, time.time()
    )
    request[keys.SESSION] = sess
    response = await _answer(request, handler)
    if sess.changed and not response.prepared and not is_api(request):
        response.set_cookie(
            COOKIE_NAME,
            encode_session(sess, secret),
            httponly=True,
            samesite="Lax",
            secure=settings.secure_cookies,
            path="/",
            max_age=settings.session_max_age_s,
        )
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's response, or an error page / JSON error for whatever it raised."""
    try:
        await _authorize(request)
        await _check_csrf(request)
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            return web.Response(status=exc.status, headers=exc.headers)
        if exc.status == 404:
            message = gettext(request, "The page was not found")
            return error_response(request, 404, "not-found", message)
        if exc.status == 405:
            return error_response(request, 405, "method-not-allowed", exc.reason)
        if exc.status == 413:
            message = gettext(request, "The request is too large")
            return error_response(request, 413, "too-large", message)
        return error_response(request, exc.status, "http-error", exc.reason)
    except KompasError as exc:
        return error_response(request, exc.status, exc.error_id, exc.message, exc.fields)
    except HttpProcessingError:
        # A body aiohttp cannot parse (a broken multipart part header, say): the sender's fault.
        message = gettext(request, "The request's body could not be read")
        return error_response(request, 400, "bad-request", message)
    except Exception:
        logger.exception("request %s %s failed", request.method, request.path)
        message = gettext(request, "Something went wrong on our side; it has been logged")
        return error_response(request, 500, "internal-error", message)


async def _resolve_actor(request: web.Request) -> Actor | None:
    resolver = request.app[keys.ACTORS]
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        request[keys.BEARER] = True
        return await resolver.by_token(header.removeprefix("Bearer ").strip())
    sess = session(request)
    if sess.user_id is None:
        return None
    actor = await resolver.by_session(sess.user_id, sess.version)
    if actor is None:
        sess.logout()
    return actor


async def _authorize(request: web.Request) -> None:
    """Learn who is asking and refuse them unless the route's declared roles include them."""
    match_info = request.match_info
    if match_info.http_exception is not None:
        request[keys.ACTOR] = await _resolve_actor(request)
        raise match_info.http_exception
    if request.path.startswith("/static/"):
        return
    spec = spec_of(match_info.handler)
    actor = await _resolve_actor(request)
    request[keys.ACTOR] = actor
    if spec is None:
        logger.error("route %s declares no roles: refused", request.path)
        raise Forbidden("This route is not open to anybody")
    if spec.roles is None:
        return
    if actor is None:
        if is_api(request) or request.method != "GET":
            raise NotAuthenticated("Log in or send a valid API token")
        raise web.HTTPFound("/login?next=" + quote(request.path_qs, safe=""))
    if actor.role not in spec.roles:
        raise Forbidden(gettext(request, "You have no access to this page"))


async def _check_csrf(request: web.Request) -> None:
    """Refuse unsafe requests that ride on the session cookie without the session's token."""
    if request.method not in UNSAFE_METHODS or request.get(keys.BEARER):
        return
    if is_api(request) and COOKIE_NAME not in request.cookies:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = session(request).csrf
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden(gettext(request, "The form has expired; reload the page and try again"))


MIDDLEWARES = [pipeline]
