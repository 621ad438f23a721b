# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Messages of the error pages (zh-CN and en): what a code that leads nowhere means to a shopper,
and the "report a suspected fake" form they offer."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # A product link that is not one (400).
    "error.bad_request.title": {"en": "This code cannot be read", "zh-CN": "无法识别此码"},
    "error.bad_request": {
        "en": "The code you scanned does not have the form of a product code. A genuine product's code opens the product's history on this page.",
        "zh-CN": "您扫描的码不符合产品码的格式。真品的产品码会在此页面打开产品的溯源记录。",
    },
    "error.bad_request.advice": {
        "en": "It may be damaged or mistyped: scan it again. If it still fails, the code may have been made by a counterfeiter: do not trust the product, and report it.",
        "zh-CN": "此码可能损坏或输入有误，请重新扫描。如仍无法识别，此码可能由假冒者制作：请勿轻信该产品，并举报。",
    },
    "error.link.start": {
        "en": "What is wrong: the link does not start the way a product code does.",
        "zh-CN": "问题：该链接的开头不符合产品码格式。",
    },
    "error.link.gtin_form": {
        "en": "What is wrong: the product number (GTIN) must have 8, 12, 13 or 14 digits.",
        "zh-CN": "问题：商品条码（GTIN）应为 8、12、13 或 14 位数字。",
    },
    "error.link.gtin_check": {
        "en": "What is wrong: the last digit of the product number (GTIN) does not match the others; the code was mistyped or altered.",
        "zh-CN": "问题：商品条码（GTIN）的校验位与其他数字不符；该码输入有误或被改动过。",
    },
    "error.link.qualifiers": {
        "en": "What is wrong: after the product number, the code does not name a batch or a unit.",
        "zh-CN": "问题：商品条码之后没有批号或单品序列号。",
    },
    "error.link.lot": {
        "en": "What is wrong: the batch number contains characters a product code cannot contain.",
        "zh-CN": "问题：批号含有产品码不允许的字符。",
    },
    "error.link.serial": {
        "en": "What is wrong: the serial number contains characters a product code cannot contain.",
        "zh-CN": "问题：序列号含有产品码不允许的字符。",
    },
    "error.link.other": {
        "en": "What is wrong: the code is not a well-formed product code.",
        "zh-CN": "问题：此码不是格式正确的产品码。",
    },
    # A well-formed product link that names nothing registered (404).
    "error.not_found.title": {"en": "Product not registered", "zh-CN": "产品未登记"},
    "error.not_found": {
        "en": "This code is not registered with this service. Be careful: the product may be counterfeit.",
        "zh-CN": "此码未在本平台登记。请注意：该产品可能是假冒产品。",
    },
    "error.not_found.meaning": {
        "en": "The code has the form of a product code, but no product with this number, batch or serial has been registered here by its maker. Genuine products of makers using this service are registered before they are sold.",
        "zh-CN": "此码符合产品码的格式，但生产商从未在本平台登记过该编号、批号或序列号的产品。使用本平台的生产商会在产品销售前完成登记。",
    },
    "error.not_found.advice": {
        "en": "Check that you scanned the code on the product itself. If you bought it as a product of a maker that uses this service, do not use it until you know more, and report it below.",
        "zh-CN": "请确认您扫描的是产品本身上的码。如您购买的是使用本平台的生产商的产品，请在弄清楚之前不要使用，并在下方举报。",
    },
    # "Report a suspected fake": a complaint the platform's admins handle.
    "error.report.title": {"en": "Report a suspected fake", "zh-CN": "举报疑似假冒"},
    "error.report.intro": {
        "en": "Your report goes to the platform's administrators, together with the code you scanned. You get a tracking code to follow it.",
        "zh-CN": "您的举报将连同您扫描的码一并发送给平台管理员。您将获得一个查询码以跟踪处理进度。",
    },
    "error.report.description": {
        "en": "Where did you buy it, and what looks wrong?",
        "zh-CN": "您在哪里购买的？哪里看起来不对？",
    },
    # An unknown complaint tracking code (404 on /complaints/{code}).
    "error.no_complaint.title": {"en": "Tracking code not found", "zh-CN": "未找到该查询码"},
    "error.no_complaint": {
        "en": "No report has this tracking code. Check it against the one shown when you sent your report (twelve letters and digits in three groups).",
        "zh-CN": "没有与此查询码对应的反馈。请核对提交反馈时显示的查询码（三组共十二位字母和数字）。",
    },
    # Too many reports from one network (429).
    "error.too_many.title": {"en": "Too many reports", "zh-CN": "提交过于频繁"},
    "error.too_many": {
        "en": "Too many reports came from your network in the last hour. Please try again later; nothing was sent this time.",
        "zh-CN": "过去一小时内来自您所在网络的反馈过多。请稍后再试；本次内容未提交。",
    },
    # Anything else.
    "error.other.title": {"en": "Something went wrong", "zh-CN": "出现问题"},
    "error.other": {
        "en": "This request could not be completed. Please try again later.",
        "zh-CN": "此请求未能完成，请稍后再试。",
    },
}
