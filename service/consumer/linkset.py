"""RFC 9264 linkset for a Digital Link, with GS1 link types (GS1 Digital Link 1.2 resolver)."""

from __future__ import annotations

from typing import Any

from service.i18n import LANGUAGES

GS1_VOC = "https://gs1.org/voc/"


def build_linkset(link: str, title: str) -> dict[str, Any]:
    """Every link type this resolver serves for ``link`` (the canonical Digital Link URI)."""

    def target(link_type: str, media_type: str, link_title: str) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {
            "href": f"{link}?linkType={link_type}",
            "title": link_title,
            "type": media_type,
        }
        if media_type == "text/html":
            entry["hreflang"] = list(LANGUAGES)
        return [entry]

    return {
        "linkset": [
            {
                "anchor": link,
                f"{GS1_VOC}defaultLink": [
                    {"href": link, "title": title, "type": "text/html", "hreflang": list(LANGUAGES)}
                ],
                f"{GS1_VOC}pip": target("gs1:pip", "text/html", f"{title}: product information"),
                f"{GS1_VOC}traceability": target(
                    "gs1:traceability", "application/json", "Traceability records and verdicts"
                ),
                f"{GS1_VOC}certificationInfo": target(
                    "gs1:certificationInfo", "application/json", "Supplier certificates"
                ),
                f"{GS1_VOC}recallStatus": target(
                    "gs1:recallStatus", "application/json", "Recall status"
                ),
            }
        ]
    }
