"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from portal.models_base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# No default limits: limits are declared on the endpoints that need them (sign-in, reset, invitations).
limiter = Limiter(key_func=get_remote_address, default_limits=[], in_memory_fallback_enabled=True)
talisman = Talisman()
