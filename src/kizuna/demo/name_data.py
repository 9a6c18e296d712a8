"""Name parts as (kanji, katakana reading, romaji) triples.

Company and person names are built only from these parts, so the reading (kana) and the
romanised e-mail domain always match the name. Each table is "kanji/kana/romaji" entries
separated by white space.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class NamePart(NamedTuple):
    kanji: str
    kana: str
    romaji: str


def _parse(table: str) -> tuple[NamePart, ...]:
    parts = []
    for entry in table.split():
        kanji, kana, romaji = entry.split("/")
        parts.append(NamePart(kanji, kana, romaji))
    return tuple(parts)


SURNAMES: Final = _parse("""
    佐藤/サトウ/sato 鈴木/スズキ/suzuki 高橋/タカハシ/takahashi 田中/タナカ/tanaka
    伊藤/イトウ/ito 渡辺/ワタナベ/watanabe 山本/ヤマモト/yamamoto 中村/ナカムラ/nakamura
    小林/コバヤシ/kobayashi 加藤/カトウ/kato 吉田/ヨシダ/yoshida 山田/ヤマダ/yamada
    佐々木/ササキ/sasaki 山口/ヤマグチ/yamaguchi 松本/マツモト/matsumoto 井上/イノウエ/inoue
    木村/キムラ/kimura 林/ハヤシ/hayashi 斎藤/サイトウ/saito 清水/シミズ/shimizu
    山崎/ヤマザキ/yamazaki 森/モリ/mori 池田/イケダ/ikeda 橋本/ハシモト/hashimoto 阿部/アベ/abe
    石川/イシカワ/ishikawa 山下/ヤマシタ/yamashita 中島/ナカジマ/nakajima 石井/イシイ/ishii
    小川/オガワ/ogawa 前田/マエダ/maeda 岡田/オカダ/okada 長谷川/ハセガワ/hasegawa
    藤田/フジタ/fujita 後藤/ゴトウ/goto 近藤/コンドウ/kondo 村上/ムラカミ/murakami
    遠藤/エンドウ/endo 青木/アオキ/aoki 坂本/サカモト/sakamoto 福田/フクダ/fukuda
    太田/オオタ/ota 西村/ニシムラ/nishimura 藤井/フジイ/fujii 金子/カネコ/kaneko
    岡本/オカモト/okamoto 藤原/フジワラ/fujiwara 中野/ナカノ/nakano 三浦/ミウラ/miura
    原田/ハラダ/harada 松田/マツダ/matsuda 竹内/タケウチ/takeuchi 小野/オノ/ono
    田村/タムラ/tamura 中山/ナカヤマ/nakayama 和田/ワダ/wada 石田/イシダ/ishida
    森田/モリタ/morita 上田/ウエダ/ueda 柴田/シバタ/shibata 酒井/サカイ/sakai 工藤/クドウ/kudo
    横山/ヨコヤマ/yokoyama 宮崎/ミヤザキ/miyazaki 宮本/ミヤモト/miyamoto 内田/ウチダ/uchida
    高木/タカギ/takagi 安藤/アンドウ/ando 島田/シマダ/shimada 谷口/タニグチ/taniguchi
    大野/オオノ/ono 丸山/マルヤマ/maruyama 今井/イマイ/imai 河野/コウノ/kono
    藤本/フジモト/fujimoto 村田/ムラタ/murata 武田/タケダ/takeda 上野/ウエノ/ueno
    杉山/スギヤマ/sugiyama 増田/マスダ/masuda 小山/コヤマ/koyama 平野/ヒラノ/hirano
    菅原/スガワラ/sugawara 久保/クボ/kubo 松井/マツイ/matsui 岩崎/イワサキ/iwasaki
    桜井/サクライ/sakurai 木下/キノシタ/kinoshita 野口/ノグチ/noguchi 松尾/マツオ/matsuo
    菊地/キクチ/kikuchi 野村/ノムラ/nomura 新井/アライ/arai 大西/オオニシ/onishi
    北村/キタムラ/kitamura
""")

MALE_GIVEN: Final = _parse("""
    健太/ケンタ/kenta 翔太/ショウタ/shota 大輔/ダイスケ/daisuke 拓也/タクヤ/takuya
    直樹/ナオキ/naoki 誠/マコト/makoto 浩二/コウジ/koji 亮/リョウ/ryo 和也/カズヤ/kazuya
    裕太/ユウタ/yuta 修平/シュウヘイ/shuhei 陽介/ヨウスケ/yosuke 隆/タカシ/takashi
    剛/ツヨシ/tsuyoshi 健一/ケンイチ/kenichi 達也/タツヤ/tatsuya 悠斗/ユウト/yuto 蓮/レン/ren
    大樹/ダイキ/daiki 俊介/シュンスケ/shunsuke 雄一/ユウイチ/yuichi 博之/ヒロユキ/hiroyuki
    正人/マサト/masato 聡/サトシ/satoshi 慎也/シンヤ/shinya 圭/ケイ/kei 哲也/テツヤ/tetsuya
    光太郎/コウタロウ/kotaro
""")

FEMALE_GIVEN: Final = _parse("""
    美咲/ミサキ/misaki 彩/アヤ/aya 由美/ユミ/yumi 真由美/マユミ/mayumi 奈々/ナナ/nana
    沙織/サオリ/saori 優花/ユウカ/yuka 明日香/アスカ/asuka 智子/トモコ/tomoko 舞/マイ/mai
    恵/メグミ/megumi 遥/ハルカ/haruka 美穂/ミホ/miho 陽子/ヨウコ/yoko 千尋/チヒロ/chihiro
    香織/カオリ/kaori 愛/アイ/ai 結衣/ユイ/yui 莉子/リコ/riko 久美子/クミコ/kumiko
    直子/ナオコ/naoko 理恵/リエ/rie 早紀/サキ/saki 麻美/アサミ/asami 紗希/サキ/saki
""")

PLACES: Final = _parse("""
    東京/トウキョウ/tokyo 大阪/オオサカ/osaka 名古屋/ナゴヤ/nagoya 横浜/ヨコハマ/yokohama
    札幌/サッポロ/sapporo 仙台/センダイ/sendai 福岡/フクオカ/fukuoka 広島/ヒロシマ/hiroshima
    神戸/コウベ/kobe 京都/キョウト/kyoto 北海道/ホッカイドウ/hokkaido 東北/トウホク/tohoku
    関東/カントウ/kanto 中部/チュウブ/chubu 東海/トウカイ/tokai 北陸/ホクリク/hokuriku
    関西/カンサイ/kansai 近畿/キンキ/kinki 四国/シコク/shikoku 九州/キュウシュウ/kyushu
    沖縄/オキナワ/okinawa 湘南/ショウナン/shonan 信州/シンシュウ/shinshu 房総/ボウソウ/boso
    三河/ミカワ/mikawa 尾張/オワリ/owari 播磨/ハリマ/harima 阪神/ハンシン/hanshin
    京浜/ケイヒン/keihin 城南/ジョウナン/jonan 城北/ジョウホク/johoku 多摩/タマ/tama
    埼玉/サイタマ/saitama 千葉/チバ/chiba 静岡/シズオカ/shizuoka 浜松/ハママツ/hamamatsu
    新潟/ニイガタ/niigata 金沢/カナザワ/kanazawa 岡山/オカヤマ/okayama 熊本/クマモト/kumamoto
    鹿児島/カゴシマ/kagoshima 長野/ナガノ/nagano 岐阜/ギフ/gifu 三重/ミエ/mie 奈良/ナラ/nara
    富山/トヤマ/toyama 群馬/グンマ/gunma 栃木/トチギ/tochigi 茨城/イバラキ/ibaraki
    山梨/ヤマナシ/yamanashi 丸の内/マルノウチ/marunouchi 日本橋/ニホンバシ/nihonbashi
    品川/シナガワ/shinagawa 渋谷/シブヤ/shibuya 新宿/シンジュク/shinjuku 博多/ハカタ/hakata
""")

WORD_ROOTS: Final = _parse("""
    日本/ニホン/nihon 東洋/トウヨウ/toyo 大和/ヤマト/yamato 富士/フジ/fuji 朝日/アサヒ/asahi
    三和/サンワ/sanwa 協和/キョウワ/kyowa 太平/タイヘイ/taihei 昭和/ショウワ/showa
    平成/ヘイセイ/heisei 大同/ダイドウ/daido 共栄/キョウエイ/kyoei 新光/シンコウ/shinko
    光洋/コウヨウ/koyo 明治/メイジ/meiji 大成/タイセイ/taisei 日進/ニッシン/nisshin
    第一/ダイイチ/daiichi 中央/チュウオウ/chuo 東邦/トウホウ/toho 日東/ニットウ/nitto
    千代田/チヨダ/chiyoda 旭/アサヒ/asahi 菱和/リョウワ/ryowa 八洲/ヤシマ/yashima
    栄光/エイコウ/eiko 未来/ミライ/mirai 創和/ソウワ/sowa 誠和/セイワ/seiwa 北斗/ホクト/hokuto
    若葉/ワカバ/wakaba 青葉/アオバ/aoba 桜/サクラ/sakura 白鷺/シラサギ/shirasagi
    双葉/フタバ/futaba 大栄/ダイエイ/daiei 正栄/ショウエイ/shoei 永和/エイワ/eiwa
    天空/テンクウ/tenku 瑞穂/ミズホ/mizuho 常盤/トキワ/tokiwa 東亜/トウア/toa 和光/ワコウ/wako
    光/ヒカリ/hikari 丸善/マルゼン/maruzen 山陽/サンヨウ/sanyo 日栄/ニチエイ/nichiei
    扇/オウギ/ogi 曙/アケボノ/akebono 黎明/レイメイ/reimei
""")

KATAKANA_ROOTS: Final = _parse("""
    サンライズ/サンライズ/sunrise グリーン/グリーン/green ブルースカイ/ブルースカイ/bluesky
    アルファ/アルファ/alpha ネクスト/ネクスト/next フューチャー/フューチャー/future
    ユニバーサル/ユニバーサル/universal グローバル/グローバル/global
    パシフィック/パシフィック/pacific オリエンタル/オリエンタル/oriental スター/スター/star
    ライト/ライト/light エース/エース/ace プライム/プライム/prime コスモ/コスモ/cosmo
    ハーモニー/ハーモニー/harmony リンク/リンク/link ブリッジ/ブリッジ/bridge アクア/アクア/aqua
    テラ/テラ/terra ノース/ノース/north イースト/イースト/east
    フロンティア/フロンティア/frontier ビジョン/ビジョン/vision クレスト/クレスト/crest
    ベスト/ベスト/best ユニオン/ユニオン/union センチュリー/センチュリー/century
    オーシャン/オーシャン/ocean シルバー/シルバー/silver ゴールド/ゴールド/gold
    ステラ/ステラ/stella アーク/アーク/arc ソレイユ/ソレイユ/soleil
""")

INDUSTRY_WORDS: Final[dict[str, tuple[NamePart, ...]]] = {
    "manufacturing": _parse("""
        製作所/セイサクショ/seisakusho 工業/コウギョウ/kogyo 精機/セイキ/seiki 電機/デンキ/denki
        化学/カガク/kagaku 金属/キンゾク/kinzoku 鉄工/テッコウ/tekko 技研/ギケン/giken
        機械/キカイ/kikai 精工/セイコウ/seiko 工機/コウキ/koki 産業/サンギョウ/sangyo
    """),
    "it": _parse("""
        システムズ/システムズ/systems ソフト/ソフト/soft
        テクノロジーズ/テクノロジーズ/technologies 情報システム/ジョウホウシステム/johosystem
        ネットワークス/ネットワークス/networks ソリューションズ/ソリューションズ/solutions
        デジタル/デジタル/digital ラボ/ラボ/lab データ/データ/data
        情報サービス/ジョウホウサービス/johoservice 電算/デンサン/densan
    """),
    "retail": _parse("""
        商店/ショウテン/shoten 商事/ショウジ/shoji 百貨店/ヒャッカテン/hyakkaten
        ストア/ストア/store 書店/ショテン/shoten 家具/カグ/kagu 洋品店/ヨウヒンテン/yohinten
        マート/マート/mart 物産/ブッサン/bussan 販売/ハンバイ/hanbai 薬局/ヤッキョク/yakkyoku
    """),
    "construction": _parse("""
        建設/ケンセツ/kensetsu 工務店/コウムテン/komuten 組/グミ/gumi 建工/ケンコウ/kenko
        土木/ドボク/doboku 設備/セツビ/setsubi 住宅/ジュウタク/jutaku 電設/デンセツ/densetsu
        塗装/トソウ/toso ハウス/ハウス/house 建築設計/ケンチクセッケイ/kenchikusekkei
    """),
    "finance": _parse("""
        証券/ショウケン/shoken ファイナンス/ファイナンス/finance キャピタル/キャピタル/capital
        リース/リース/lease 保険サービス/ホケンサービス/hokenservice
        投資顧問/トウシコモン/toshikomon カード/カード/card
        アセットマネジメント/アセットマネジメント/assetmanagement クレジット/クレジット/credit
    """),
    "healthcare": _parse("""
        メディカル/メディカル/medical 製薬/セイヤク/seiyaku 薬品/ヤクヒン/yakuhin
        ヘルスケア/ヘルスケア/healthcare 医療サービス/イリョウサービス/iryoservice
        介護サービス/カイゴサービス/kaigoservice ファーマ/ファーマ/pharma
        調剤薬局/チョウザイヤッキョク/chozaiyakkyoku ケア/ケア/care 医科器械/イカキカイ/ikakikai
    """),
    "logistics": _parse("""
        運輸/ウンユ/unyu 物流/ブツリュウ/butsuryu 倉庫/ソウコ/soko 運送/ウンソウ/unso
        ロジスティクス/ロジスティクス/logistics 海運/カイウン/kaiun 急便/キュウビン/kyubin
        エクスプレス/エクスプレス/express 通運/ツウウン/tsuun 陸運/リクウン/rikuun
    """),
    "services": _parse("""
        サービス/サービス/service 企画/キカク/kikaku 人材センター/ジンザイセンター/jinzaicenter
        コンサルティング/コンサルティング/consulting
        ビルメンテナンス/ビルメンテナンス/buildingmaintenance 警備保障/ケイビホショウ/keibihosho
        広告/コウコク/kokoku 印刷/インサツ/insatsu 総研/ソウケン/soken
        エージェンシー/エージェンシー/agency
    """),
    "real_estate": _parse("""
        不動産/フドウサン/fudosan 地所/ジショ/jisho 土地建物/トチタテモノ/tochitatemono
        ハウジング/ハウジング/housing エステート/エステート/estate 住販/ジュウハン/juhan
        レジデンス/レジデンス/residence ビル管理/ビルカンリ/birukanri 興産/コウサン/kosan
    """),
    "food": _parse("""
        食品/ショクヒン/shokuhin 製菓/セイカ/seika 酒造/シュゾウ/shuzo 製パン/セイパン/seipan
        水産/スイサン/suisan フーズ/フーズ/foods 乳業/ニュウギョウ/nyugyo 醸造/ジョウゾウ/jozo
        製麺/セイメン/seimen 青果/セイカ/seika
    """),
}

#: Fictional resellers, with relative weights (a few large partners sell most).
PARTNERS: Final[tuple[tuple[str, int], ...]] = (
    ("株式会社みらいビジネスソリューションズ", 30),
    ("北斗情報システム株式会社", 20),
    ("株式会社東邦オフィスサービス", 14),
    ("税理士法人あおば総合会計", 10),
    ("株式会社ひかり通信ネットワーク", 8),
    ("株式会社関西ITパートナーズ", 7),
    ("九州ビジネスサポート株式会社", 6),
    ("株式会社サンセイ事務機", 5),
)
