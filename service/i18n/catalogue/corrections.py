# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Messages of the corrections area (zh-CN and en): error declarations (docs/design.md §2.10)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "event.error_declaration": {"en": "Declared erroneous", "zh-CN": "声明有误"},
    # CBV 2.0 error reasons (errorDeclaration.reason).
    "correction.reason.incorrect_data": {
        "en": "the data recorded was incorrect",
        "zh-CN": "所记录的数据有误",
    },
    "correction.reason.did_not_occur": {
        "en": "this did not happen",
        "zh-CN": "该事件并未发生",
    },
    # Beside the struck-through original; {org}: who recorded it and declared it, {reason}: one of the reasons above.
    "correction.declared": {
        "en": "Declared erroneous by {org} on {date}: {reason}.",
        "zh-CN": "{org} 于 {date} 声明此记录有误：{reason}。",
    },
    "correction.corrected_by": {
        "en": "Corrected by the entry of {date}.",
        "zh-CN": "已由 {date} 的记录更正。",
    },
    "correction.no_correction": {
        "en": "No corrected entry was given.",
        "zh-CN": "未提供更正记录。",
    },
    "correction.corrects": {
        "en": "Corrects the entry of {date}.",
        "zh-CN": "更正 {date} 的记录。",
    },
    "correction.declares": {
        "en": "The entry \u201c{event}\u201d of {date} was declared erroneous: {reason}.",
        "zh-CN": "{date} 的\u201c{event}\u201d记录被声明有误：{reason}。",
    },
    "correction.still_sealed": {
        "en": "The original entry stays sealed on the blockchain, unchanged; the declaration is sealed beside it.",
        "zh-CN": "原记录仍原样封存在区块链上；更正声明也一并封存。",
    },
}
