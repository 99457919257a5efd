"""Name pools for the demo city. Names are bilingual (Chinese and pinyin/English) so that the
public register can be searched in either language."""

from __future__ import annotations

import random

SURNAMES = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
    ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"),
    ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("罗", "Luo"),
)  # fmt: skip
GIVEN = (
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
    ("丽", "Li"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"),
    ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"),
    ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("霞", "Xia"), ("平", "Ping"),
    ("刚", "Gang"), ("桂英", "Guiying"), ("建华", "Jianhua"), ("晓东", "Xiaodong"),
)  # fmt: skip
BRANDS = (
    ("华信", "Huaxin"), ("东方", "Dongfang"), ("长城", "Changcheng"), ("金桥", "Jinqiao"),
    ("恒通", "Hengtong"), ("瑞丰", "Ruifeng"), ("宏达", "Hongda"), ("新世纪", "Xinshiji"),
    ("鼎盛", "Dingsheng"), ("天成", "Tiancheng"), ("嘉禾", "Jiahe"), ("博远", "Boyuan"),
    ("佳美", "Jiamei"), ("汇丰源", "Huifengyuan"), ("永安", "Yongan"), ("明德", "Mingde"),
    ("星河", "Xinghe"), ("青山", "Qingshan"), ("海纳", "Haina"), ("云帆", "Yunfan"),
)  # fmt: skip
TRADES = (
    ("贸易", "Trading"), ("科技", "Technology"), ("建筑工程", "Construction"),
    ("物流", "Logistics"), ("医疗器械", "Medical Devices"), ("电子", "Electronics"),
    ("运输", "Transport"), ("咨询", "Consulting"), ("纺织", "Textiles"), ("制造", "Manufacturing"),
)  # fmt: skip
FOOD_TRADES = (
    ("餐饮", "Catering"), ("小吃", "Snacks"), ("火锅", "Hot Pot"), ("面馆", "Noodle House"),
    ("烘焙", "Bakery"), ("食品", "Foods"),
)  # fmt: skip
BODIES = (
    ("教育局", "Education Bureau"), ("卫生健康委员会", "Health Commission"),
    ("交通运输局", "Transport Bureau"), ("住房和城乡建设局", "Housing and Construction Bureau"),
    ("生态环境局", "Ecology and Environment Bureau"), ("财政局", "Finance Bureau"),
    ("水务局", "Water Authority"), ("文化和旅游局", "Culture and Tourism Bureau"),
)  # fmt: skip
DISTRICTS = (
    ("东城", "Dongcheng"), ("西城", "Xicheng"), ("朝阳", "Chaoyang"), ("丰台", "Fengtai"),
    ("石景山", "Shijingshan"), ("海淀", "Haidian"), ("门头沟", "Mentougou"),
    ("房山", "Fangshan"), ("通州", "Tongzhou"), ("顺义", "Shunyi"),
)  # fmt: skip


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN)
    return f"{surname[0]}{given[0]} {surname[1]} {given[1]}"


def organisation_name(rng: random.Random, food: bool, serial: int) -> str:
    brand = rng.choice(BRANDS)
    trade = rng.choice(FOOD_TRADES if food else TRADES)
    district = DISTRICTS[serial % len(DISTRICTS)]
    # The serial keeps names distinct, as the business register requires.
    return (
        f"{district[0]}{brand[0]}{trade[0]}有限公司{serial} "
        f"{district[1]} {brand[1]} {trade[1]} Co., Ltd. No. {serial}"
    )


def public_body_name(serial: int) -> str:
    district = DISTRICTS[serial % len(DISTRICTS)]
    body = BODIES[(serial // len(DISTRICTS)) % len(BODIES)]
    unit = serial // (len(DISTRICTS) * len(BODIES)) + 1
    return f"{district[0]}区{body[0]}第{unit}办公室 {district[1]} District {body[1]}, Office {unit}"
