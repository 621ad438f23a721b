"""Tables of the complaints domain."""

from __future__ import annotations

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base


class ComplaintSource(Base):
    """One row per complaint source (the keyed hash of a network prefix, as in complaints).

    Filing locks its source's row before counting the source's recent complaints, so that
    concurrent filings from one source are counted one after the other (migration 0016).
    """

    __tablename__ = "complaint_sources"

    source: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
