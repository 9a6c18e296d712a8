"""Salesforce- and HubSpot-shaped account exports, written as the CRMs write them."""

from __future__ import annotations

# A Japanese-locale Salesforce account report, as Excel saves it: Shift_JIS, CRLF, a quoted
# description with line breaks, full-width digits in 従業員数, the report's footer.
SF_REPORT_JA = (
    '"取引先 ID","取引先名","親取引先 ID","取引先 所有者","業種","従業員数","説明"\r\n'
    '"0015g00000AbCdE","株式会社さくら製作所","","山田 太郎","製造","１，２００","精密部品\r\n'
    '第二工場あり"\r\n'
    '"0015g00000AbCdF","合同会社みどり商店","0015g00000AbCdE","山田 太郎","小売","１２",""\r\n'
    '"0015g00000AbCdG","株式会社あおぞら","","高橋 三郎","テクノロジー","","クラウド"\r\n'
    "\r\n"
    '"総計 (3 レコード)"\r\n'
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\r\n'
)

# HubSpot's companies export (UTF-8 with the BOM HubSpot writes), an English portal
HUBSPOT = (
    "\ufeffRecord ID,Company name,Company owner,Parent Company,Industry,Number of Employees\n"
    "9876543210,Aozora KK,yamada@example.co.jp,,COMPUTER_SOFTWARE,40\n"
    '9876543211,"Hokuto, Inc.",Nobody Known,9876543210,Retail,"1,500"\n'
)
