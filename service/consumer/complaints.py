"""The shopper's side of complaints: the consumer page's form, and the page that follows a
complaint (JSON for programs); the complaints themselves are ``service.complaints``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.complaints import service
from service.complaints.endpoints import Now
from service.complaints.schemas import ComplaintCategory, ComplaintCreate
from service.consumer.complaint_pages import (
    FormInput,
    first_errors,
    render_complaint_form,
    render_complaint_page,
)
from service.consumer.endpoints import error_response, translator_for, wants_json
from service.deps import CurrentSettings, DbSession, client_address
from service.errors import InvalidInput, LotproofError, problem_response
from service.i18n import LANGUAGES

router = APIRouter(tags=["complaints"])


@router.post("/complaints", response_model=None, include_in_schema=False)
def file_complaint_form(
    request: Request,
    session: DbSession,
    settings: CurrentSettings,
    now: Now,
    link: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    typed = FormInput(link=link, category=category, description=description, contact=contact)
    try:
        data = ComplaintCreate(
            link=link, category=category, description=description, contact=contact or None
        )
        address = client_address(request)
        complaint = service.file_complaint(session, settings, data, address=address, now=now)
    except ValidationError as e:
        typed.errors = first_errors([(str(err["loc"][0]), err["type"]) for err in e.errors()])
        problems = [{"field": str(err["loc"][0]), "message": err["msg"]} for err in e.errors()]
        return _form_again(request, lang, typed, problems)
    except InvalidInput as e:
        # The link names no registered product and this is not a suspected fake: the
        # shopper can change the category, not the link (a hidden field).
        if e.field == "link" and category != ComplaintCategory.counterfeit:
            typed.errors = {"category": "complaint.error.unregistered"}
        else:
            typed.errors = {"link": "complaint.error.link"}
        return _form_again(request, lang, typed, [{"field": e.field, "message": e.detail}])
    except LotproofError as e:
        return error_response(request, e, lang=lang)
    # Post/redirect/get: a reload of the result page does not file the complaint twice.
    # Only a language we speak goes back into the URL: the field is the sender's to fill.
    query = f"?lang={lang}&filed=1" if lang in LANGUAGES else "?filed=1"
    return RedirectResponse(f"/complaints/{complaint.code}{query}", status_code=303)


def _form_again(
    request: Request, lang: str, typed: FormInput, problems: list[dict[str, Any]]
) -> Response:
    """422: problem+json for programs; for people the form again, as typed, each message
    next to its field, in the language of the page the form was on."""
    if wants_json(request):
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return problem_response(422, InvalidInput.title, detail, errors=list(problems))
    t = translator_for(request, lang)
    page = render_complaint_form(t, typed)
    return HTMLResponse(page, status_code=422, headers={"Content-Language": t.language})


@router.get(
    "/complaints/{code}",
    response_model=None,
    summary="Follow a complaint",
    responses={
        200: {
            "description": "The complaint's status: a page for people, JSON for programs",
            "content": {"text/html": {}, "application/json": {}},
        }
    },
)
def complaint_status(
    code: str, request: Request, session: DbSession, settings: CurrentSettings
) -> Response:
    try:
        status = service.complaint_status(session, code, settings.public_url)
    except LotproofError as e:
        return error_response(request, e)
    if wants_json(request):
        return JSONResponse(status.model_dump(mode="json"))
    just_filed = request.query_params.get("filed") == "1"
    page = render_complaint_page(translator_for(request), status, just_filed=just_filed)
    return HTMLResponse(page)
