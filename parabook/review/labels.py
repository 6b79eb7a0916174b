"""The interface's words in English and Chinese; the office staff read Chinese."""

from __future__ import annotations

UI_LANGS = ("en", "zh")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Review", "all": "All", "reviewed": "reviewed", "machine": "machine draft",
        "stale": "Chinese changed", "unreviewed": "unreviewed", "missing": "missing",
        "of": "of", "progress": "{done} of {total} reviewed", "save": "Save",
        "approve": "Approve", "revert": "Revert", "glossary": "Glossary",
        "findings": "QA findings", "no_findings": "no findings", "old": "before",
        "new": "now", "preview": "Page preview", "updating": "updating the page…",
        "saved": "saved", "approved": "approved", "conflict": "Changed on disk since "
        "this page was loaded. Nothing was saved.", "theirs": "on disk", "yours": "yours",
        "keep_mine": "Save mine over it", "take_theirs": "Take the version on disk",
        "accept": "Accept", "reason": "reason", "waived": "accepted",
        "waivers_off": "accepting findings needs a newer parabook",
        "keys": "Ctrl+Enter: approve and go to the next unreviewed", "filter": "Show",
        "place": "Place", "other_lang": "中文", "missing_term": "missing",
        "error": "Not saved",
        "pages": "pages {pages}", "page": "page {pages}",
        "excerpt": "this spread laid out alone; the whole booklet follows…",
    },
    "zh": {
        "title": "审校", "all": "全部", "reviewed": "已审校", "machine": "机器初稿",
        "stale": "原文已改", "unreviewed": "未审校", "missing": "缺译文", "of": "/",
        "progress": "已审校 {done} / {total}", "save": "保存", "approve": "通过",
        "revert": "还原", "glossary": "术语表", "findings": "质量检查", "no_findings": "无问题",
        "old": "修改前", "new": "现在", "preview": "版面预览", "updating": "正在更新版面…",
        "saved": "已保存", "approved": "已通过", "conflict": "打开本页后，文件已被修改。未保存。",
        "theirs": "文件中的版本", "yours": "您的版本", "keep_mine": "用我的版本覆盖",
        "take_theirs": "采用文件中的版本", "accept": "接受", "reason": "理由",
        "waived": "已接受", "waivers_off": "接受检查结果需要新版 parabook",
        "keys": "Ctrl+Enter：通过并转到下一条未审校", "filter": "显示", "place": "位置",
        "other_lang": "English", "missing_term": "缺少", "error": "未保存",
        "pages": "第 {pages} 页", "page": "第 {pages} 页",
        "excerpt": "先单独排出这两页；整本随后更新…",
    },
}


def labels(ui: str) -> dict[str, str]:
    """The labels of interface language `ui`; English for anything unknown."""
    return LABELS.get(ui, LABELS["en"])
