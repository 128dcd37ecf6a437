"""Words only the DingTalk channel says (what DingTalk cannot do, and what it does instead)."""

from __future__ import annotations

CARD_TITLE = "驻村助手"  # the title a card shows in the chat list
# A file (chart, Excel export) cannot go out through the robot without a media upload:
# the workspace has every chart and export.
FILE_ELSEWHERE = "（{name}：钉钉里暂不能直接发送文件，请在县工作台查看或下载：{url}）"
FILE_ELSEWHERE_NO_URL = "（{name}：钉钉里暂不能直接发送文件，请在县工作台查看或下载。）"
PHOTO_ELSEWHERE = "（{n} 张照片在其他平台上传，钉钉里看不到，请在县工作台查看。）"
# Heads the rows of buttons (links that send the press back) under a message's text.
PICK = "请点选："
# In a group the robot hears only messages that @ it; buttons send words back.
GROUP_HINT = "（在群里请 @驻村助手 再输入命令，例如「@驻村助手 帮助」。）"
