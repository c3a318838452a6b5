"""Login, logout, profile with API tokens, user administration; the token and users API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from kompas_cc.core.actor import ALL_ROLES, Role
from kompas_cc.core.errors import KompasError, NotAuthenticated, ValidationFailed
from kompas_cc.staff import service
from kompas_cc.staff.schemas import TokenIssued, TokenRequest, UserOut
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.templates import gettext, render

routes = Routes(tag="staff")
ADMIN = {Role.ADMIN}
ROLE_CHOICES = [r.value for r in Role]


def _policy(request: web.Request) -> service.LoginPolicy:
    settings = request.app[keys.SETTINGS]
    return service.LoginPolicy(
        max_failures=settings.login_max_failures,
        lockout=timedelta(seconds=settings.login_lockout_s),
    )


def _safe_next(value: str | None) -> str:
    """Only a local path may follow a login, never another site."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


@routes.get("/login", roles=None, name="login")
async def login_page(request: web.Request) -> web.Response:
    if ctx.current_actor(request) is not None:
        raise web.HTTPFound(_safe_next(request.query.get("next")))
    return render(
        request,
        "staff/login.html",
        {"next": request.query.get("next", ""), "error": None, "login": ""},
    )


@routes.post("/login", roles=None)
async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    login = str(form.get("login", "")).strip()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "")))
    error: KompasError | None = None
    async with ctx.uow(request) as uow:
        try:
            actor, version = await service.authenticate(
                uow, login, password, ctx.now(request), _policy(request)
            )
        except NotAuthenticated as exc:
            error = exc
    if error is not None:
        message = (
            gettext(request, "Too many failed attempts; try again later")
            if isinstance(error, service.AccountLocked)
            else gettext(request, "Wrong login or password")
        )
        context = {"next": next_url, "error": message, "login": login}
        return render(request, "staff/login.html", context, status=401)
    sess = ctx.session(request)
    sess.login(actor.id, version)
    sess.locale = actor.locale
    raise web.HTTPFound(next_url)


@routes.post("/logout", roles=ALL_ROLES, name="logout")
async def logout(request: web.Request) -> web.Response:
    ctx.session(request).logout()
    raise web.HTTPFound("/login")


@routes.post("/locale", roles=None, name="set_locale")
async def set_locale(request: web.Request) -> web.Response:
    form = await request.post()
    locale = str(form.get("locale", ""))
    if locale not in ("ru", "en"):
        raise ValidationFailed("Unknown language", fields={"locale": "ru or en"})
    sess = ctx.session(request)
    sess.locale = locale
    sess.changed = True
    who = ctx.current_actor(request)
    if who is not None:
        async with ctx.uow(request) as uow:
            await service.set_preferences(uow, who.id, locale=locale, timezone=who.timezone)
    raise web.HTTPFound(
        _safe_next(request.headers.get("Referer") and urlsplit(request.headers["Referer"]).path)
    )


async def _profile_context(request: web.Request, **extra: Any) -> dict[str, Any]:
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        user = await service.get_user(uow, who.id)
        tokens = await service.list_tokens(uow, who)
    panels = await request.app[keys.PANELS].collect("profile", request)
    return {
        "user": user,
        "tokens": tokens,
        "new_token": None,
        "errors": {},
        "panels": panels,
        **extra,
    }


@routes.get("/profile", roles=ALL_ROLES, name="profile")
async def profile(request: web.Request) -> web.Response:
    return render(request, "staff/profile.html", await _profile_context(request))


@routes.post("/profile", roles=ALL_ROLES)
async def profile_save(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    form = await request.post()
    try:
        async with ctx.uow(request) as uow:
            await service.set_preferences(
                uow,
                who.id,
                locale=str(form.get("locale", who.locale)),
                timezone=str(form.get("timezone", who.timezone)),
            )
    except ValidationFailed as exc:
        context = await _profile_context(request, errors=exc.fields)
        return render(request, "staff/profile.html", context, status=422)
    ctx.session(request).locale = str(form.get("locale", who.locale))
    ctx.flash(request, gettext(request, "Settings saved"), "success")
    raise web.HTTPFound("/profile")


@routes.post("/profile/password", roles=ALL_ROLES, name="profile_password")
async def profile_password(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    form = await request.post()
    current = str(form.get("current", ""))
    new = str(form.get("new", ""))
    errors: dict[str, str] = {}
    if new != str(form.get("repeat", "")):
        errors["repeat"] = gettext(request, "The passwords do not match")
    if not errors:
        try:
            async with ctx.uow(request) as uow:
                await service.authenticate(
                    uow, who.login, current, ctx.now(request), _policy(request)
                )
                await service.set_password(uow, who.id, new)
                version = await service.session_version(uow, who.id)
        except NotAuthenticated:
            errors["current"] = gettext(request, "Wrong password")
        except ValidationFailed:
            errors["new"] = gettext(request, "At least 8 characters")
    if errors:
        context = await _profile_context(request, errors=errors)
        return render(request, "staff/profile.html", context, status=422)
    ctx.session(request).login(who.id, version)
    ctx.flash(request, gettext(request, "The password was changed"), "success")
    raise web.HTTPFound("/profile")


@routes.post("/profile/tokens", roles=ALL_ROLES, name="profile_tokens")
async def token_create(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    form = await request.post()
    async with ctx.uow(request) as uow:
        token = await service.issue_token(
            uow, who, str(form.get("name", "API"))[:100], ctx.now(request)
        )
    context = await _profile_context(request, new_token=token)
    return render(request, "staff/profile.html", context)


@routes.post(
    "/profile/tokens/" + id_param("token_id") + "/revoke", roles=ALL_ROLES, name="token_revoke"
)
async def token_revoke(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        await service.revoke_token(uow, who, int(request.match_info["token_id"]), ctx.now(request))
    ctx.flash(request, gettext(request, "The token was revoked"), "success")
    raise web.HTTPFound("/profile")


def _user_form_data(form: Any) -> dict[str, object]:
    return {
        "login": str(form.get("login", "")),
        "name": str(form.get("name", "")),
        "email": str(form.get("email", "")) or None,
        "role": str(form.get("role", "")),
        "extension": str(form.get("extension", "")) or None,
        "timezone": str(form.get("timezone", "Europe/Moscow")),
        "locale": str(form.get("locale", "ru")),
        "is_active": form.get("is_active") == "on",
    }


@routes.get("/admin/users", roles=ADMIN, name="admin_users")
async def users_page(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        users = await service.list_users(uow)
    return render(request, "staff/users.html", {"users": users})


def _user_form(
    request: web.Request,
    user: dict[str, Any],
    errors: dict[str, str],
    user_id: int | None,
    status: int = 200,
) -> web.Response:
    context = {"user": user, "errors": errors, "user_id": user_id, "roles": ROLE_CHOICES}
    return render(request, "staff/user_form.html", context, status=status)


@routes.get("/admin/users/new", roles=ADMIN, name="admin_user_new")
async def user_new(request: web.Request) -> web.Response:
    blank = {
        "login": "",
        "name": "",
        "email": "",
        "role": "operator",
        "extension": "",
        "timezone": "Europe/Moscow",
        "locale": "ru",
        "is_active": True,
    }
    return _user_form(request, blank, {}, None)


@routes.post("/admin/users/new", roles=ADMIN)
async def user_create(request: web.Request) -> web.Response:
    form = await request.post()
    data = _user_form_data(form)
    try:
        parsed = service.parse_user(data)
        async with ctx.uow(request) as uow:
            await service.create_user(uow, parsed, str(form.get("password", "")), ctx.now(request))
    except ValidationFailed as exc:
        return _user_form(request, data, exc.fields, None, status=422)
    except service.LoginTaken:
        return _user_form(
            request, data, {"login": gettext(request, "This login is taken")}, None, 409
        )
    ctx.flash(request, gettext(request, "The user was created"), "success")
    raise web.HTTPFound("/admin/users")


@routes.get("/admin/users/" + id_param("user_id"), roles=ADMIN, name="admin_user")
async def user_edit(request: web.Request) -> web.Response:
    user_id = int(request.match_info["user_id"])
    async with ctx.uow(request) as uow:
        user = await service.get_user(uow, user_id)
    return _user_form(request, user.model_dump(mode="json"), {}, user_id)


@routes.post("/admin/users/" + id_param("user_id"), roles=ADMIN)
async def user_update(request: web.Request) -> web.Response:
    user_id = int(request.match_info["user_id"])
    form = await request.post()
    data = _user_form_data(form)
    password = str(form.get("password", ""))
    try:
        parsed = service.parse_user(data)
        async with ctx.uow(request) as uow:
            await service.update_user(uow, user_id, parsed)
            if password:
                await service.set_password(uow, user_id, password)
    except ValidationFailed as exc:
        return _user_form(request, data, exc.fields, user_id, status=422)
    except service.LoginTaken:
        return _user_form(
            request, data, {"login": gettext(request, "This login is taken")}, user_id, 409
        )
    ctx.flash(request, gettext(request, "The user was saved"), "success")
    raise web.HTTPFound("/admin/users")


@routes.post(
    "/api/v1/auth/token",
    roles=None,
    body=TokenRequest,
    response=TokenIssued,
    summary="Exchange a login and password for an API token",
)
async def api_token(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, TokenRequest)
    error: KompasError | None = None
    async with ctx.uow(request) as uow:
        try:
            actor, _version = await service.authenticate(
                uow, body.username, body.password, ctx.now(request), _policy(request)
            )
            token = await service.issue_token(uow, actor, body.name, ctx.now(request))
        except NotAuthenticated as exc:
            error = exc
    if error is not None:
        raise error
    return ctx.json_response(TokenIssued(token=token))


@routes.get("/api/v1/me", roles=ALL_ROLES, response=UserOut, summary="The current user")
async def api_me(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        user = await service.get_user(uow, ctx.actor(request).id)
    return ctx.json_response(user)


@routes.get(
    "/api/v1/users",
    roles=ADMIN | {Role.MANAGER},
    response=UserOut,
    response_list=True,
    summary="All users",
)
async def api_users(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        users = await service.list_users(uow)
    return ctx.json_response(users)
