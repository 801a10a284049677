"""Keep personal data out of logs (Decree 13/2023/NĐ-CP): CCCD numbers and phone numbers in
a log message are masked before any handler writes them."""

import logging
import re

_CCCD = re.compile(r"(?<!\d)(\d{3})\d{6}(\d{3})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(0|\+84)(\d{2})\d{4}(\d{3})(?!\d)")


def mask_personal_data(text: str) -> str:
    text = _CCCD.sub(r"\1******\2", text)
    return _PHONE.sub(r"\1\2****\3", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
