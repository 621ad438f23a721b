# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Why a lot is on hold, and what a temperature reading means: said from the records."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "hold.since": {
        "en": "On hold since {date}.",
        "zh-CN": "自 {date} 起暂停销售和使用。",
    },
    "hold.inspection": {
        "en": "An inspection recorded by {org} failed.",
        "zh-CN": "{org} 记录的一次检验不合格。",
    },
    "hold.inspection_defects": {
        "en": "An inspection recorded by {org} failed: too many {defects} defects.",
        "zh-CN": "{org} 记录的一次检验不合格：{defects}缺陷超出允许数量。",
    },
    "hold.quality_alert": {
        "en": "{count} different shoppers reported problems within {days} days; the platform's quality desk ({org}) confirmed the alert.",
        "zh-CN": "{days} 天内有 {count} 位不同的消费者反馈问题；平台质量部门（{org}）已确认该预警。",
    },
    "hold.unknown": {
        "en": "The reason is being investigated.",
        "zh-CN": "原因正在调查中。",
    },
    "defect.critical": {"en": "critical", "zh-CN": "致命"},
    "defect.major": {"en": "major", "zh-CN": "严重"},
    "defect.minor": {"en": "minor", "zh-CN": "轻微"},
    "defect.separator": {"en": " and ", "zh-CN": "和"},
    "temperature.reading": {
        "en": "Temperature: {value} {unit}",
        "zh-CN": "温度：{value} {unit}",
    },
    "temperature.range": {
        "en": "required range {low} to {high} °C",
        "zh-CN": "要求范围 {low} 至 {high} °C",
    },
    "temperature.within": {"en": "within range", "zh-CN": "在范围内"},
    "temperature.outside": {"en": "OUTSIDE the range", "zh-CN": "超出范围"},
    "temperature.no_range": {
        "en": "the supplier declared no storage range",
        "zh-CN": "供应商未声明储存温度范围",
    },
}
