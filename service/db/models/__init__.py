"""Every table, one module per area; queries live in each domain's repository.py.

Importing this package registers all tables on ``Base.metadata`` (Alembic relies on it).
"""

from __future__ import annotations

from service.db.models.anchors import Anchor as Anchor
from service.db.models.anchors import AnchorStatus as AnchorStatus
from service.db.models.anchors import Deployment as Deployment
from service.db.models.anchors import MonitorRun as MonitorRun
from service.db.models.batches import Batch as Batch
from service.db.models.batches import BatchLink as BatchLink
from service.db.models.batches import Product as Product
from service.db.models.batches import Scan as Scan
from service.db.models.batches import Unit as Unit
from service.db.models.categories import Category as Category
from service.db.models.certificates import Certificate as Certificate
from service.db.models.complaints import Complaint as Complaint
from service.db.models.complaints import ComplaintSource as ComplaintSource
from service.db.models.files import EvidenceFile as EvidenceFile
from service.db.models.orgs import ApiKey as ApiKey
from service.db.models.orgs import OrgAddress as OrgAddress
from service.db.models.orgs import Organization as Organization
from service.db.models.orgs import OrgRole as OrgRole
from service.db.models.orgs import ServiceSecret as ServiceSecret
from service.db.models.recalls import Recall as Recall
from service.db.models.recalls import RecallBatch as RecallBatch
from service.db.models.recalls import RecallSeverity as RecallSeverity
from service.db.models.records import IdempotentRequest as IdempotentRequest
from service.db.models.records import Record as Record
from service.db.models.records import RecordSignature as RecordSignature
from service.db.models.records import RecordStatus as RecordStatus
from service.db.models.webhooks import DeliveryStatus as DeliveryStatus
from service.db.models.webhooks import WebhookDelivery as WebhookDelivery
from service.db.models.webhooks import WebhookEvent as WebhookEvent
from service.db.models.webhooks import WebhookSubscription as WebhookSubscription
