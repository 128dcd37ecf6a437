"""A bare dingtalk-stream SDK echo robot: the ceiling the DingTalk channel is compared with.

    python bench/echo_dingtalk.py   (env: DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET,
                                     DINGTALK_OPENAPI_ENDPOINT pointing at the fake)

The SDK's own `start()` and a `ChatbotHandler` that answers each text with the same text
through the message's session webhook (`reply_text`, blocking `requests`, as the SDK's
examples do), acknowledging each frame: what a robot costs with no database at all.
"""

from __future__ import annotations

import asyncio
import logging
import os

import dingtalk_stream
from dingtalk_stream import AckMessage, ChatbotHandler, ChatbotMessage


class Echo(ChatbotHandler):
    async def process(self, callback: dingtalk_stream.CallbackMessage):  # type: ignore[no-untyped-def]
        incoming = ChatbotMessage.from_dict(callback.data)
        self.reply_text(incoming.text.content.strip(), incoming)
        return AckMessage.STATUS_OK, "OK"


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    cred = dingtalk_stream.Credential(os.environ["DINGTALK_CLIENT_ID"],
                                      os.environ["DINGTALK_CLIENT_SECRET"])
    client = dingtalk_stream.DingTalkStreamClient(cred)
    client.register_callback_handler(ChatbotMessage.TOPIC, Echo())
    asyncio.run(client.start())


if __name__ == "__main__":
    main()
