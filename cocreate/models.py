"""Every feature's models, imported in one place for Alembic and `flask shell`."""

from cocreate.ambassadors.models import AccountOrigin, Candidate, ContributionScore, ScoreRun  # noqa: F401
from cocreate.api.models import ApiToken  # noqa: F401
from cocreate.auth.models import User  # noqa: F401
from cocreate.companies.models import Company, Invitation, Membership  # noqa: F401
from cocreate.ideas.models import Comment, Idea, StatusChange, Tag, Vote  # noqa: F401
from cocreate.images.models import Image  # noqa: F401
from cocreate.maturity.models import Rating, RatingScore, SelfScore, StageChange, StageThresholds  # noqa: F401
from cocreate.misses.models import Miss, MissReply  # noqa: F401
from cocreate.notifications.models import MailMessage, Notification, NotificationSettings, Subscription  # noqa: F401
from cocreate.products.models import Product, ProductAccess, Touchpoint, Version  # noqa: F401
from cocreate.tasks import ScheduledRun  # noqa: F401
from cocreate.webhooks.models import Webhook, WebhookDelivery  # noqa: F401
from cocreate.widget.models import WidgetOrigin, WidgetSecret  # noqa: F401
