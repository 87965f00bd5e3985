"""Demo articles for `flask demo seed` (clearly marked as demo content)."""
from __future__ import annotations

import sqlalchemy as sa

from registry.core.extensions import db
from registry.news import services
from registry.news.models import Article

DEMO_ARTICLES = [
    ("policy", "【示例】关于推进家政服务业信用体系建设的指导意见（演示内容）",
     "本文为**演示数据**，用于展示政策栏目。\n\n## 主要内容\n\n1. 建立家政服务员信用档案；\n2. 推行家政服务员持证上门；\n3. 加强家政企业信用信息公示。"),
    ("notice", "【示例】平台上线试运行公告（演示内容）",
     "家政服务信用信息平台开始试运行。本公告为**演示数据**。\n\n- 家政服务员可注册并完成实名认证；\n- 消费者可查询企业信用。"),
    ("news", "【示例】家政服务员每月签到提醒（演示内容）",
     "家政服务员需每月通过刷脸签到，超过30天未签到将显示为离职状态。本文为**演示数据**。"),
]


def seed_demo_articles(_app) -> str:
    """Add the demo articles that are missing; returns the line to print."""
    created = 0
    for kind, title, body in DEMO_ARTICLES:
        if db.session.scalar(sa.select(Article.id).where(Article.title == title)) is None:
            services.save_article(None, kind=kind, title=title, body=body, source="演示数据", publish=True,
                                  actor_id=None)
            created += 1
    return f"demo articles: {created} added"
