# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Messages of the complaints area (zh-CN and en): the form, its errors, the tracking page."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # The form (on the product page, and re-shown with what was typed when something is wrong).
    "complaint.title": {"en": "Report a problem", "zh-CN": "问题反馈"},
    "complaint.category": {"en": "What is wrong?", "zh-CN": "问题类型"},
    "complaint.description": {"en": "Describe the problem", "zh-CN": "问题描述"},
    "complaint.contact": {"en": "Contact (optional)", "zh-CN": "联系方式（选填）"},
    "complaint.submit": {"en": "Send report", "zh-CN": "提交反馈"},
    "complaint.cat.quality": {"en": "Poor quality", "zh-CN": "质量问题"},
    "complaint.cat.counterfeit": {"en": "Looks counterfeit", "zh-CN": "疑似假冒"},
    "complaint.cat.damaged": {"en": "Damaged", "zh-CN": "破损"},
    "complaint.cat.safety": {"en": "Safety concern", "zh-CN": "安全隐患"},
    "complaint.cat.labelling": {"en": "Wrong label", "zh-CN": "标签错误"},
    "complaint.cat.other": {"en": "Something else", "zh-CN": "其他"},
    "complaint.form.title": {"en": "Check your report", "zh-CN": "请检查您的反馈"},
    "complaint.form.intro": {
        "en": "Your report was not sent yet: please correct what is marked below and send it again. What you wrote is kept.",
        "zh-CN": "您的反馈尚未提交：请修改下方标出的内容后重新提交。您填写的内容已保留。",
    },
    "complaint.form.error_prefix": {"en": "Error:", "zh-CN": "错误："},
    "complaint.error.description_short": {
        "en": "Please describe the problem in at least 5 characters.",
        "zh-CN": "请至少用 5 个字描述问题。",
    },
    "complaint.error.description_long": {
        "en": "Please keep the description under 2,000 characters.",
        "zh-CN": "问题描述请不要超过 2000 个字。",
    },
    "complaint.error.text_characters": {
        "en": "This text contains invisible control or direction characters; please type it again.",
        "zh-CN": "该内容含有不可见的控制字符或文字方向字符，请重新输入。",
    },
    "complaint.error.contact": {
        "en": "Please give a contact of at most 200 characters (an e-mail address or a phone number), or leave it empty.",
        "zh-CN": "请填写不超过 200 个字符的联系方式（电子邮箱或电话），或留空。",
    },
    "complaint.error.category": {
        "en": "Please choose what is wrong from the list.",
        "zh-CN": "请从列表中选择问题类型。",
    },
    "complaint.error.unregistered": {
        "en": "This code is not registered, so it can only be reported as a suspected fake: choose “Looks counterfeit”.",
        "zh-CN": "此码未登记，只能作为疑似假冒举报：请选择“疑似假冒”。",
    },
    "complaint.error.link": {
        "en": "The product link of this report is missing or too long. Scan the code again and report from the page it opens.",
        "zh-CN": "本次反馈的产品链接缺失或过长。请重新扫码，并在打开的页面上反馈。",
    },
    # The tracking page.
    "complaint.received": {
        "en": "Thank you. Your report was received. Keep this tracking code:",
        "zh-CN": "感谢反馈，我们已收到。请保存您的查询码：",
    },
    "complaint.tracking.title": {"en": "Your report {code}", "zh-CN": "您的反馈 {code}"},
    "complaint.tracking.code": {"en": "Tracking code", "zh-CN": "查询码"},
    "complaint.status": {"en": "Status", "zh-CN": "处理状态"},
    "complaint.status_line": {"en": "Status: {status}", "zh-CN": "处理状态：{status}"},
    "complaint.status.received": {"en": "Received", "zh-CN": "已受理"},
    "complaint.status.acknowledged": {"en": "Acknowledged", "zh-CN": "已确认收到"},
    "complaint.status.investigating": {"en": "Under investigation", "zh-CN": "调查中"},
    "complaint.status.resolved": {"en": "Resolved", "zh-CN": "已解决"},
    "complaint.status.rejected": {"en": "Rejected", "zh-CN": "已驳回"},
    "complaint.priority": {"en": "Priority", "zh-CN": "优先级"},
    "complaint.priority.urgent": {"en": "Urgent (safety)", "zh-CN": "紧急（安全）"},
    "complaint.priority.normal": {"en": "Normal", "zh-CN": "普通"},
    "complaint.deadline": {"en": "First response due by", "zh-CN": "首次答复期限"},
    "complaint.filed_at": {"en": "Filed", "zh-CN": "提交时间"},
    "complaint.unregistered": {
        "en": "About a code that is not registered: the platform's administrators handle this report.",
        "zh-CN": "针对未登记的码：此反馈由平台管理员处理。",
    },
    "complaint.history": {"en": "History", "zh-CN": "处理记录"},
    "complaint.step.filed": {"en": "You filed this report.", "zh-CN": "您提交了此反馈。"},
    "complaint.step.by": {"en": "By {org}", "zh-CN": "处理方：{org}"},
    "complaint.step.reason": {"en": "Reason given:", "zh-CN": "说明："},
    "complaint.next": {"en": "What happens next", "zh-CN": "后续进展"},
    "complaint.next.received": {
        "en": "The supplier must give a first response by {deadline}. Check this page again, or keep your tracking code.",
        "zh-CN": "商家须在 {deadline} 之前首次答复。请稍后再查看本页面，并保存您的查询码。",
    },
    "complaint.next.received_platform": {
        "en": "The platform's administrators will give a first response by {deadline}. Keep the product and its packaging: they may ask for them.",
        "zh-CN": "平台管理员将在 {deadline} 之前首次答复。请保留产品及包装，以备核查。",
    },
    "complaint.next.acknowledged": {
        "en": "Your report has been read. The next step is an investigation or an answer; each step appears here.",
        "zh-CN": "您的反馈已被阅读。下一步是调查或答复，每一步都会显示在这里。",
    },
    "complaint.next.investigating": {
        "en": "The matter is being investigated. The outcome will appear here with its reason.",
        "zh-CN": "正在调查中。结果及其说明将显示在这里。",
    },
    "complaint.next.resolved": {
        "en": "This report is closed as resolved (see the reason in the history below). Nothing more is needed from you.",
        "zh-CN": "此反馈已解决并关闭（见下方处理记录中的说明）。您无需再做任何事。",
    },
    "complaint.next.rejected": {
        "en": "This report was rejected and is closed (see the reason in the history below). If you still think something is wrong, you may report it again with more details.",
        "zh-CN": "此反馈已被驳回并关闭（见下方处理记录中的说明）。如您仍认为有问题，可补充详细信息后重新反馈。",
    },
    "complaint.back": {"en": "Back to the product", "zh-CN": "返回产品页面"},
}
