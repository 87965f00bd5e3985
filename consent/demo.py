"""Demo authorization letter (clearly marked as a sample)."""
from __future__ import annotations

import sqlalchemy as sa

from consent import services
from consent.models import AuthorizationLetter
from registry.core.extensions import db

DEMO_TITLE = "家政服务员信用信息授权书（示例文本）"
DEMO_BODY = """本授权书为**演示用示例文本**，正式文本以平台运营方发布的版本为准。

本人自愿授权家政服务信用信息平台（以下简称“平台”）：

1. 采集、核验并保存本人的身份信息（含身份证件芯片信息及人脸识别结果）；
2. 向有关部门及机构查询本人的从业记录、培训记录、保险信息、体检信息、背景核查结果、纳税信息及个人信用报告摘要；
3. 在本人每次刷脸确认后，于约定期限内向本人授权的消费者展示上述信用信息；
4. 记录每一次查看的时间与查看人，供本人随时查询。

本人可随时撤回本授权；撤回后，平台不再向任何消费者展示本人的信用信息。注销账号时，平台删除本人的全部个人信息。
"""


def seed_demo_letter(_app) -> str:
    """Publish the sample letter once."""
    exists = db.session.scalar(sa.select(AuthorizationLetter.id).limit(1))
    if exists is None:
        letter = services.publish_letter(DEMO_TITLE, DEMO_BODY, None)
        return f"published demo authorization letter v{letter.version}"
    return "authorization letter already published"
