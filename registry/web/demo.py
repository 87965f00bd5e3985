"""flask demo ... : clearly synthetic demo content for development."""
from __future__ import annotations

from typing import Callable

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from registry.accounts import services as accounts
from registry.accounts.models import Role
from registry.core.extensions import db
from registry.news import services as news
from registry.news.models import Article

demo_cli = AppGroup("demo", help="Synthetic demo content (development only).")

DEMO_ADMIN_PHONE = "13800000000"
_SEEDERS_KEY = "registry.demo_seeders"


def register_demo_seeder(app: Flask, seeder: Callable[[], str]) -> None:
    """Let a domain add its demo content to `flask demo seed` (returns a line to print)."""
    seeders = app.extensions.setdefault(_SEEDERS_KEY, [])
    if seeder not in seeders:
        seeders.append(seeder)

DEMO_ARTICLES = [
    ("policy", "【示例】关于推进家政服务业信用体系建设的指导意见（演示内容）",
     "本文为**演示数据**，用于展示政策栏目。\n\n## 主要内容\n\n1. 建立家政服务员信用档案；\n2. 推行家政服务员持证上门；\n3. 加强家政企业信用信息公示。"),
    ("notice", "【示例】平台上线试运行公告（演示内容）",
     "家政服务信用信息平台开始试运行。本公告为**演示数据**。\n\n- 家政服务员可注册并完成实名认证；\n- 消费者可查询企业信用。"),
    ("news", "【示例】家政服务员每月签到提醒（演示内容）",
     "家政服务员需每月通过刷脸签到，超过30天未签到将显示为离职状态。本文为**演示数据**。"),
]


@demo_cli.command("seed")
def seed():
    """Add demo articles and a demo operator (phone 13800000000); safe to run twice."""
    created = 0
    for kind, title, body in DEMO_ARTICLES:
        if db.session.scalar(sa.select(Article.id).where(Article.title == title)) is None:
            news.save_article(None, kind=kind, title=title, body=body, source="演示数据", publish=True,
                              actor_id=None)
            created += 1
    if accounts.find_by_phone(DEMO_ADMIN_PHONE) is None:
        accounts.create_privileged(Role.ADMIN, "演示管理员", DEMO_ADMIN_PHONE)
        click.echo(f"demo operator: log in with {DEMO_ADMIN_PHONE}; codes appear at /dev/outbox")
    for seeder in current_app.extensions.get(_SEEDERS_KEY, []):
        click.echo(seeder())
    db.session.commit()
    click.echo(f"demo content ready ({created} articles added)")
