"""Build Charter's demo model inventory: synthetic datasets, trained pipelines, catalog.json.

Everything is generated offline from fixed seeds, so rerunning the script reproduces every
file byte for byte. Run ``python examples/build.py --check`` to verify existing files against
catalog.json without rebuilding.

``python examples/build.py --monitoring`` writes twelve monthly live partitions per production
model (examples/data/live/), in which one feature drifts further each month and the labels of
the last two months have not arrived yet, then builds the monitoring ledger (monitoring/) by
running ``charter monitor --since 2025-12-26 --as-of 2026-11-27``: each day of that year, the
runs the daily workflow would have made are recorded. Delete monitoring/ first to
rebuild the ledger from scratch; an existing ledger is only extended.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import skops
import skops.io as sio
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CATALOG = EXAMPLES / "catalog.json"
SEED = 20240601
SENSITIVE = ("sex", "age_band")
CSV_OPTIONS: dict[str, Any] = {"index": False, "float_format": "%.6g", "lineterminator": "\n"}
# Zip entries otherwise carry the wall-clock time of the dump.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

Generator = Callable[[np.random.Generator, int, float], pd.DataFrame]


@dataclass(frozen=True)
class Domain:
    """A family of datasets sharing one schema, and the models trained on it."""

    generate: Generator
    task: str
    target: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    pii: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]


@dataclass(frozen=True)
class DatasetSpec:
    ident: str
    domain: str
    rows: int = 0
    drift: float = 0.0
    raw: bool = False
    derived_from: tuple[str, ...] = ()
    # (source ident, start, stop): a row slice of an already built dataset instead of new draws.
    split_of: tuple[str, int, int] | None = None


@dataclass(frozen=True)
class ModelSpec:
    ident: str
    domain: str
    estimator: BaseEstimator
    train: tuple[str, ...]
    evaluate: str
    params: tuple[str, ...]


# --------------------------------------------------------------------------- sampling helpers


def pick(rng: np.random.Generator, n: int, weights: Mapping[str, float]) -> np.ndarray:
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(np.array(list(weights)), size=n, p=p / p.sum())


def lookup(values: np.ndarray, table: Mapping[str, float]) -> np.ndarray:
    """Per-category effect; categories missing from the table contribute zero."""
    return pd.Series(values).map(table).fillna(0.0).to_numpy(dtype=float)


def bernoulli(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    return (rng.random(len(logit)) < 1.0 / (1.0 + np.exp(-logit))).astype(int)


def people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    age = np.clip(np.round(rng.normal(42, 13, n)), 18, 85).astype(int)
    return age, rng.choice(np.array(["F", "M"]), size=n)


def age_band(age: np.ndarray) -> np.ndarray:
    return np.select([age <= 30, age <= 50], ["18-30", "31-50"], "51+")


def identifiers(rng: np.random.Generator, n: int, prefix: str) -> list[str]:
    return [f"{prefix}{k}" for k in rng.choice(9_000_000, size=n, replace=False) + 1_000_000]


def birth_dates(rng: np.random.Generator, age: np.ndarray, snapshot: str) -> np.ndarray:
    days = age * 365 + rng.integers(0, 365, len(age))
    return (np.datetime64(snapshot) - days.astype("timedelta64[D]")).astype(str)


# --------------------------------------------------------------------------- domain generators


def credit_frame(rng: np.random.Generator, n: int, drift: float) -> pd.DataFrame:
    """Loan applicants; drift inflates incomes and pushes debt-to-income and utilisation up."""
    age, sex = people(rng, n)
    employment = pick(
        rng,
        n,
        {"salaried": 58, "self_employed": 14, "contract": 14, "retired": 9, "unemployed": 5},
    )
    employment = np.where((age >= 66) & (rng.random(n) < 0.8), "retired", employment)
    employment_effect = {
        "salaried": 0.0,
        "self_employed": 0.1,
        "contract": -0.1,
        "retired": -0.35,
        "unemployed": -0.9,
    }
    log_income = (
        np.log(46_000)
        + lookup(employment, employment_effect)
        + 0.06 * (sex == "M")
        + 0.15 * np.tanh((age - 25) / 15)
        + rng.normal(0, 0.4, n)
    )
    income = np.round(np.exp(log_income) * (1 + 0.04 * drift), -2)
    loan = np.clip(np.round(income * rng.lognormal(np.log(0.22), 0.5, n) / 50) * 50, 1000, 75_000)
    term = rng.choice([12, 24, 36, 48, 60], size=n, p=[0.1, 0.2, 0.35, 0.15, 0.2])
    dti = np.round(np.clip(rng.beta(2.2, 5.5, n) + 0.06 * drift, 0, 0.95), 4)
    util = np.round(np.clip(rng.beta(2.0, 3.2, n) + 0.08 * drift, 0, 1), 4)
    history = np.round((age - 18) * rng.beta(3, 2, n), 1)
    accounts = rng.poisson(2 + 0.12 * history)
    late = rng.poisson(np.exp(-1.6 + 1.6 * util + 1.2 * dti))
    ownership_score = (age - 40) / 12 + 0.5 * np.log(income / 46_000) + rng.normal(0, 1, n)
    home = np.select([ownership_score < -0.2, ownership_score < 1.1], ["rent", "mortgage"], "own")
    purpose = pick(
        rng,
        n,
        {
            "debt_consolidation": 34,
            "home_improvement": 18,
            "car": 20,
            "education": 10,
            "medical": 8,
            "business": 10,
        },
    )
    logit = (
        -3.4
        + 2.0 * (dti > 0.35)
        + 2.2 * (util > 0.75)
        + 1.2 * (late >= 1)
        + 0.3 * late
        - 0.9 * np.log(income / 46_000)
        + 0.9 * np.log(loan / income / 0.22)
        - 0.06 * history
        + 1.2 * (history < 2)
        + lookup(employment, {"unemployed": 1.5, "contract": 0.5, "self_employed": 0.35})
        + lookup(purpose, {"business": 0.6, "medical": 0.4, "debt_consolidation": 0.3})
        + 0.015 * (term - 36)
        + 2.2 * ((dti > 0.4) & (util > 0.6))
        - 1.2 * ((home == "own") & (late == 0))
    )
    return pd.DataFrame(
        {
            "customer_id": identifiers(rng, n, "C"),
            "date_of_birth": birth_dates(rng, age, "2024-06-30"),
            "postcode": rng.integers(10_000, 99_999, n),
            "annual_income": income,
            "loan_amount": loan,
            "loan_term_months": term,
            "debt_to_income": dti,
            "credit_utilization": util,
            "credit_history_years": history,
            "num_open_accounts": accounts,
            "num_late_payments_2y": late,
            "employment_type": employment,
            "home_ownership": home,
            "loan_purpose": purpose,
            "sex": sex,
            "age_band": age_band(age),
            "defaulted": bernoulli(rng, logit),
        }
    )


def churn_frame(rng: np.random.Generator, n: int, drift: float) -> pd.DataFrame:
    """Subscription customers; drift is a mild price rise."""
    age, sex = people(rng, n)
    tenure = np.clip(np.round(rng.exponential(22, n)) + 1, 1, 96).astype(int)
    contract_score = tenure / 24 + rng.normal(0, 0.8, n)
    contract = np.select(
        [contract_score < 1.0, contract_score < 2.0], ["month_to_month", "one_year"], "two_year"
    )
    tier = pick(rng, n, {"basic": 45, "standard": 38, "premium": 17})
    base_price = lookup(tier, {"basic": 19.99, "standard": 39.99, "premium": 69.99})
    price = base_price * (1 + 0.05 * drift) + rng.normal(0, 4, n)
    monthly = np.round(np.clip(price, 9.99, None), 2)
    total = np.round(tenure * monthly * rng.uniform(0.9, 1.05, n), 2)
    payment = pick(rng, n, {"card": 38, "direct_debit": 32, "paypal": 18, "invoice": 12})
    engagement = rng.normal(0, 1, n) - 0.3 * (age > 55)
    logins = rng.poisson(np.exp(2.3 + 0.5 * engagement))
    session = np.round(rng.gamma(2.0, 6 * np.exp(0.3 * engagement)), 1)
    idle_days = np.round(rng.exponential(np.exp(1.6 - 0.7 * engagement)))
    idle_days = np.clip(idle_days, 0, 90).astype(int)
    tickets = rng.poisson(0.5 + 0.4 * (tier == "basic"), n)
    discount = (rng.random(n) < 0.2).astype(int)
    month_to_month = contract == "month_to_month"
    logit = (
        -2.4
        + 1.5 * month_to_month
        - 1.0 * (contract == "two_year")
        - 0.03 * tenure
        + 1.0 * (tenure <= 6)
        + 0.4 * tickets
        + 1.0 * ((tickets >= 3) & month_to_month)
        + 1.8 * (idle_days > 10)
        - 0.05 * logins
        + 1.5 * ((tier == "premium") & (logins < 6))
        + 0.015 * (monthly - 40)
        + 0.6 * (payment == "invoice")
        - 0.6 * discount
    )
    return pd.DataFrame(
        {
            "customer_id": identifiers(rng, n, "U"),
            "email": [f"user{k}@example.com" for k in rng.integers(100_000, 999_999, n)],
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "logins_30d": logins,
            "avg_session_minutes": session,
            "days_since_last_login": idle_days,
            "support_tickets_90d": tickets,
            "has_discount": discount,
            "contract_type": contract,
            "plan_tier": tier,
            "payment_method": payment,
            "sex": sex,
            "age_band": age_band(age),
            "churned": bernoulli(rng, logit),
        }
    )


def fraud_frame(rng: np.random.Generator, n: int, drift: float) -> pd.DataFrame:
    """Card transactions with about 5% fraud; drift grows the share of e-commerce."""
    age, sex = people(rng, n)
    hour_weights = np.array(
        [2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 10, 11, 10, 9, 9, 9, 10, 11, 10, 9, 9, 9, 6]
    )
    hour = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    channel = pick(
        rng,
        n,
        {"chip": 35, "contactless": 25, "ecommerce": 36 * (1 + drift), "manual_entry": 4},
    )
    category = pick(
        rng,
        n,
        {
            "grocery": 22,
            "restaurants": 16,
            "fuel": 10,
            "pharmacy": 12,
            "online_retail": 20,
            "electronics": 8,
            "travel": 7,
            "gaming": 5,
        },
    )
    typical = np.round(rng.lognormal(np.log(50), 0.6, n), 2)
    amount = np.round(typical * rng.lognormal(0, 0.9, n), 2)
    distance = np.round(rng.lognormal(np.log(8), 1.2, n), 1)
    international = (rng.random(n) < 0.06).astype(int)
    txn_24h = rng.poisson(2.5, n)
    card_age = rng.integers(7, 3650, n)
    new_device = ((channel == "ecommerce") & (rng.random(n) < 0.15)).astype(int)
    ratio = amount / typical
    logit = (
        -4.8
        + 1.8 * np.log(ratio)
        + 1.8 * international
        + 1.2 * (hour <= 5)
        + lookup(channel, {"manual_entry": 1.8, "ecommerce": 0.8})
        + 2.0 * new_device
        + lookup(category, {"electronics": 0.9, "gaming": 1.0, "travel": 0.7})
        + 0.45 * np.clip(txn_24h - 3, 0, None)
        + 1.0 * (distance > 100)
        - 0.4 * np.log1p(card_age / 365)
    )
    return pd.DataFrame(
        {
            "transaction_id": identifiers(rng, n, "T"),
            "customer_id": identifiers(rng, n, "C"),
            "card_last4": rng.integers(1000, 9999, n),
            "amount": amount,
            "avg_amount_30d": typical,
            "amount_to_avg_ratio": np.round(ratio, 4),
            "hour_of_day": hour,
            "distance_from_home_km": distance,
            "is_international": international,
            "txn_count_24h": txn_24h,
            "card_age_days": card_age,
            "new_device": new_device,
            "channel": channel,
            "merchant_category": category,
            "sex": sex,
            "age_band": age_band(age),
            "is_fraud": bernoulli(rng, logit),
        }
    )


def marketing_frame(rng: np.random.Generator, n: int, drift: float) -> pd.DataFrame:
    """Responses to a promotional campaign; drift is unused (one campaign, one snapshot)."""
    age, sex = people(rng, n)
    segment = pick(rng, n, {"new": 20, "regular": 45, "loyal": 20, "lapsed": 15})
    mean_recency = lookup(segment, {"new": 20, "regular": 45, "loyal": 15, "lapsed": 60})
    recency = np.round(rng.exponential(mean_recency) + 180 * (segment == "lapsed"))
    recency = np.clip(recency, 1, 365).astype(int)
    frequency = rng.poisson(lookup(segment, {"new": 1.5, "regular": 4, "loyal": 10, "lapsed": 0.8}))
    monetary = np.round(frequency * rng.lognormal(np.log(45), 0.5, n), 2)
    open_rate = np.round(np.clip(rng.beta(2, 5, n) + 0.15 * (segment == "loyal"), 0, 1), 4)
    visits = rng.poisson(1 + 0.4 * frequency)
    channel = pick(rng, n, {"email": 45, "sms": 20, "push": 20, "direct_mail": 15})
    device = pick(rng, n, {"mobile": 58, "desktop": 32, "tablet": 10})
    offer = pick(
        rng, n, {"percent_off": 35, "free_shipping": 30, "bundle": 15, "loyalty_points": 20}
    )
    logit = (
        -3.6
        - 0.006 * recency
        + 0.08 * frequency
        + 0.08 * visits
        + 4.5 * open_rate * (channel == "email")
        + 1.0 * (recency < 14)
        + lookup(channel, {"sms": 0.1, "push": -0.2, "direct_mail": 0.3})
        + lookup(offer, {"percent_off": 0.35, "free_shipping": 0.2})
        + 1.5 * ((offer == "loyalty_points") & (segment == "loyal"))
        + 0.05 * (age - 40) * (channel == "direct_mail")
        - 0.5 * ((device == "desktop") & (channel == "push"))
    )
    return pd.DataFrame(
        {
            "recency_days": recency,
            "frequency_12m": frequency,
            "monetary_12m": monetary,
            "email_open_rate": open_rate,
            "web_visits_30d": visits,
            "segment": segment,
            "channel": channel,
            "device": device,
            "offer_type": offer,
            "sex": sex,
            "age_band": age_band(age),
            "responded": bernoulli(rng, logit),
        }
    )


def claims_frame(rng: np.random.Generator, n: int, drift: float) -> pd.DataFrame:
    """Motor insurance claims; cost is multiplicative in its drivers, with a heavy tail."""
    vehicle_class = pick(rng, n, {"hatchback": 28, "sedan": 30, "suv": 24, "van": 10, "sports": 8})
    vehicle_age = rng.integers(0, 21, n)
    new_value = lookup(
        vehicle_class,
        {"hatchback": 18_000, "sedan": 26_000, "suv": 34_000, "van": 28_000, "sports": 48_000},
    )
    value = np.round(new_value * 0.87**vehicle_age * rng.lognormal(0, 0.25, n), -2)
    experience = np.clip(np.round(rng.gamma(3, 6, n)), 0, 60).astype(int)
    mileage = np.round(rng.lognormal(np.log(12_000), 0.45, n), -2)
    region = pick(rng, n, {"urban": 45, "suburban": 35, "rural": 20})
    prior = rng.poisson(0.35, n)
    tenure = rng.integers(0, 25, n)
    deductible = rng.choice([250, 500, 1000], size=n, p=[0.3, 0.5, 0.2])
    claim_type = pick(
        rng, n, {"collision": 42, "glass": 16, "theft": 7, "weather": 13, "liability": 22}
    )
    relative_value = value / 25_000
    base = np.select(
        [claim_type == "collision", claim_type == "glass", claim_type == "theft"],
        [
            3200 * relative_value**0.6,
            450 * (1 + 0.3 * np.isin(vehicle_class, ["suv", "sports"])),
            0.85 * value,
        ],
        np.where(
            claim_type == "weather",
            2200 * relative_value**0.4,
            6500 * (1 + 0.5 * (experience < 3)) * (mileage / 12_000) ** 0.3,
        ),
    )
    multiplier = (
        lookup(region, {"urban": 1.15, "suburban": 1.0, "rural": 0.9})
        * (1 + 0.12 * prior)
        * (1 + 0.05 * drift)
        * rng.lognormal(0, 0.35, n)
    )
    cost = np.round(np.clip(base * multiplier - 0.5 * deductible, 50, None), 2)
    return pd.DataFrame(
        {
            "claim_id": identifiers(rng, n, "CL"),
            "policy_number": identifiers(rng, n, "P"),
            "customer_id": identifiers(rng, n, "C"),
            "postcode": rng.integers(10_000, 99_999, n),
            "vehicle_age_years": vehicle_age,
            "vehicle_value": value,
            "driver_experience_years": experience,
            "annual_mileage_km": mileage,
            "prior_claims_5y": prior,
            "policy_tenure_years": tenure,
            "deductible": deductible,
            "vehicle_class": vehicle_class,
            "region": region,
            "claim_type": claim_type,
            "claim_cost": cost,
        }
    )


# --------------------------------------------------------------------------- inventory


DOMAINS: dict[str, Domain] = {
    "credit": Domain(
        generate=credit_frame,
        task="classification",
        target="defaulted",
        numeric=(
            "annual_income",
            "loan_amount",
            "loan_term_months",
            "debt_to_income",
            "credit_utilization",
            "credit_history_years",
            "num_open_accounts",
            "num_late_payments_2y",
        ),
        categorical=("employment_type", "home_ownership", "loan_purpose"),
        pii=("customer_id", "date_of_birth", "postcode"),
        sensitive=SENSITIVE,
    ),
    "churn": Domain(
        generate=churn_frame,
        task="classification",
        target="churned",
        numeric=(
            "tenure_months",
            "monthly_charges",
            "total_charges",
            "logins_30d",
            "avg_session_minutes",
            "days_since_last_login",
            "support_tickets_90d",
            "has_discount",
        ),
        categorical=("contract_type", "plan_tier", "payment_method"),
        pii=("customer_id", "email"),
        sensitive=SENSITIVE,
    ),
    "fraud": Domain(
        generate=fraud_frame,
        task="classification",
        target="is_fraud",
        numeric=(
            "amount",
            "avg_amount_30d",
            "amount_to_avg_ratio",
            "hour_of_day",
            "distance_from_home_km",
            "is_international",
            "txn_count_24h",
            "card_age_days",
            "new_device",
        ),
        categorical=("channel", "merchant_category"),
        pii=("transaction_id", "customer_id", "card_last4"),
        sensitive=SENSITIVE,
    ),
    "marketing": Domain(
        generate=marketing_frame,
        task="classification",
        target="responded",
        numeric=(
            "recency_days",
            "frequency_12m",
            "monetary_12m",
            "email_open_rate",
            "web_visits_30d",
        ),
        categorical=("segment", "channel", "device", "offer_type"),
        sensitive=SENSITIVE,
    ),
    "claims": Domain(
        generate=claims_frame,
        task="regression",
        target="claim_cost",
        numeric=(
            "vehicle_age_years",
            "vehicle_value",
            "driver_experience_years",
            "annual_mileage_km",
            "prior_claims_5y",
            "policy_tenure_years",
            "deductible",
        ),
        categorical=("vehicle_class", "region", "claim_type"),
        pii=("claim_id", "policy_number", "customer_id", "postcode"),
    ),
}

CORE_BANKING = "core-banking-export@2024-06"
ACTIVITY = "customer-activity@2024-09"
CARD_TXNS = "card-transactions@2025-01"
CAMPAIGN = "campaign-responses@2025-02"
CLAIMS = "claims-history@2024-11"

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(CORE_BANKING, "credit", rows=500, raw=True),
    DatasetSpec("credit-applications@2024-06", "credit", 2500, derived_from=(CORE_BANKING,)),
    DatasetSpec("credit-holdout@2024-06", "credit", 1500, derived_from=(CORE_BANKING,)),
    DatasetSpec("credit-applications@2025-03", "credit", 3000, 0.3, derived_from=(CORE_BANKING,)),
    DatasetSpec("credit-live@2025-09", "credit", 2000, drift=1.0),
    DatasetSpec(ACTIVITY, "churn", rows=500, raw=True),
    DatasetSpec("churn-features@2024-09", "churn", 2500, derived_from=(ACTIVITY,)),
    DatasetSpec("churn-holdout@2024-09", "churn", 1500, derived_from=(ACTIVITY,)),
    DatasetSpec("churn-live@2025-09", "churn", 1500, drift=0.2),
    DatasetSpec(CARD_TXNS, "fraud", rows=500, raw=True),
    DatasetSpec("fraud-features@2025-01", "fraud", 3000, derived_from=(CARD_TXNS,)),
    DatasetSpec("fraud-holdout@2025-01", "fraud", 2000, derived_from=(CARD_TXNS,)),
    DatasetSpec(CAMPAIGN, "marketing", rows=4000, raw=True),
    DatasetSpec(
        "marketing-train@2025-02",
        "marketing",
        derived_from=(CAMPAIGN,),
        split_of=(CAMPAIGN, 0, 2500),
    ),
    DatasetSpec(
        "marketing-holdout@2025-02",
        "marketing",
        derived_from=(CAMPAIGN,),
        split_of=(CAMPAIGN, 2500, 4000),
    ),
    DatasetSpec(CLAIMS, "claims", rows=500, raw=True),
    DatasetSpec("claims-train@2024-11", "claims", 2500, derived_from=(CLAIMS,)),
    DatasetSpec("claims-holdout@2024-11", "claims", 1500, derived_from=(CLAIMS,)),
)


def gradient_boosting(**params: Any) -> GradientBoostingClassifier:
    defaults: dict[str, Any] = {"n_estimators": 40, "max_depth": 3, "random_state": 0}
    return GradientBoostingClassifier(**(defaults | params))


GB_PARAMS = ("n_estimators", "learning_rate", "max_depth", "subsample")
LR_PARAMS = ("C", "max_iter", "solver")
CREDIT_TRAIN = ("credit-applications@2024-06",)

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "credit-default@1.0.0",
        "credit",
        LogisticRegression(max_iter=1000),
        CREDIT_TRAIN,
        "credit-holdout@2024-06",
        LR_PARAMS,
    ),
    ModelSpec(
        "credit-default@2.1.0",
        "credit",
        gradient_boosting(),
        CREDIT_TRAIN,
        "credit-holdout@2024-06",
        GB_PARAMS,
    ),
    ModelSpec(
        "credit-default@2.2.0",
        "credit",
        gradient_boosting(n_estimators=80, learning_rate=0.08, subsample=0.8),
        ("credit-applications@2025-03",),
        "credit-holdout@2024-06",
        GB_PARAMS,
    ),
    ModelSpec(
        "churn@1.3.0",
        "churn",
        LogisticRegression(max_iter=1000),
        ("churn-features@2024-09",),
        "churn-holdout@2024-09",
        LR_PARAMS,
    ),
    ModelSpec(
        "churn@1.4.0",
        "churn",
        RandomForestClassifier(n_estimators=40, max_depth=8, min_samples_leaf=5, random_state=0),
        ("churn-features@2024-09",),
        "churn-holdout@2024-09",
        ("n_estimators", "max_depth", "min_samples_leaf"),
    ),
    ModelSpec(
        "churn@1.5.0",
        "churn",
        gradient_boosting(),
        ("churn-features@2024-09",),
        "churn-holdout@2024-09",
        GB_PARAMS,
    ),
    ModelSpec(
        "fraud-score@3.0.0",
        "fraud",
        gradient_boosting(),
        ("fraud-features@2025-01",),
        "fraud-holdout@2025-01",
        GB_PARAMS,
    ),
    ModelSpec(
        "fraud-score@3.1.0",
        "fraud",
        gradient_boosting(n_estimators=100, learning_rate=0.05, max_depth=2),
        ("fraud-features@2025-01",),
        "fraud-holdout@2025-01",
        GB_PARAMS,
    ),
    ModelSpec(
        "marketing-propensity@0.9.0",
        "marketing",
        LogisticRegression(max_iter=1000),
        ("marketing-train@2025-02",),
        "marketing-holdout@2025-02",
        LR_PARAMS,
    ),
    ModelSpec(
        "marketing-propensity@1.0.0",
        "marketing",
        gradient_boosting(),
        ("marketing-train@2025-02",),
        "marketing-holdout@2025-02",
        GB_PARAMS,
    ),
    ModelSpec(
        "claims-severity@1.0.0",
        "claims",
        Ridge(alpha=1.0),
        ("claims-train@2024-11",),
        "claims-holdout@2024-11",
        ("alpha",),
    ),
    ModelSpec(
        "claims-severity@1.1.0",
        "claims",
        GradientBoostingRegressor(n_estimators=60, max_depth=3, random_state=0),
        ("claims-train@2024-11",),
        "claims-holdout@2024-11",
        GB_PARAMS,
    ),
)


# --------------------------------------------------------------------------- files and hashes


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def artifact_path(ident: str, folder: str, suffix: str) -> Path:
    name, version = ident.split("@")
    return EXAMPLES / folder / f"{name}-{version}{suffix}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seeded_rng(ident: str) -> np.random.Generator:
    # Seeding from the id keeps each dataset stable when others are added or reordered.
    return np.random.default_rng([SEED, zlib.crc32(ident.encode())])


def zip_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=9)


def renumber(node: Any, ids: dict[int, int], files: dict[str, str], members: set[str]) -> None:
    """Replace id()-derived node ids and array file names with first-seen sequence numbers."""
    if isinstance(node, list):
        for item in node:
            renumber(item, ids, files, members)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "__id__" and isinstance(value, int) and not isinstance(value, bool):
            # Start at 1: skops skips memoisation for a falsy id.
            node[key] = ids.setdefault(value, len(ids) + 1)
        elif key == "file" and isinstance(value, str) and value in members:
            node[key] = files.setdefault(value, f"{len(files) + 1:05d}{Path(value).suffix}")
        else:
            renumber(value, ids, files, members)


def canonical_skops(raw: bytes) -> bytes:
    """Make a skops archive a pure function of the model.

    skops names each array file and tags each node with id(obj), i.e. a memory address, and
    stamps zip entries with the current time, so two dumps of one model differ. Renumbering
    both in schema order preserves every reference while removing the address.
    """
    with zipfile.ZipFile(io.BytesIO(raw)) as source:
        members = set(source.namelist()) - {"schema.json"}
        schema = json.loads(source.read("schema.json"))
        files: dict[str, str] = {}
        renumber(schema, {}, files, members)
        if set(files) != members:
            raise RuntimeError(f"unreferenced skops members: {sorted(members - set(files))}")
        payload = {new: source.read(old) for old, new in files.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in sorted(payload):
            zip_entry(target, name, payload[name])
        zip_entry(target, "schema.json", json.dumps(schema, indent=2).encode())
    return buffer.getvalue()


# --------------------------------------------------------------------------- datasets


def build_frame(spec: DatasetSpec, built: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    domain = DOMAINS[spec.domain]
    if spec.split_of is not None:
        source, start, stop = spec.split_of
        frame = built[source].iloc[start:stop].reset_index(drop=True)
    else:
        frame = domain.generate(seeded_rng(spec.ident), spec.rows, spec.drift)
    return frame if spec.raw else frame.drop(columns=list(domain.pii))


def write_dataset(spec: DatasetSpec, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Write the CSV and return it as read back, so models see exactly the published bytes."""
    domain = DOMAINS[spec.domain]
    path = artifact_path(spec.ident, "data", ".csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, **CSV_OPTIONS)
    published = pd.read_csv(path)
    entry: dict[str, Any] = {
        "path": relative(path),
        "sha256": sha256(path),
        "rows": len(published),
        "columns": list(published.columns),
        "target": domain.target,
        "contains_pii": any(column in published for column in domain.pii),
        "derived_from": list(spec.derived_from),
    }
    if domain.sensitive:
        entry["sensitive_features"] = list(domain.sensitive)
    return published, entry


def build_datasets() -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    frames: dict[str, pd.DataFrame] = {}
    entries: dict[str, Any] = {}
    for spec in DATASETS:
        frames[spec.ident], entries[spec.ident] = write_dataset(spec, build_frame(spec, frames))
    return frames, entries


# --------------------------------------------------------------------------- models


def build_pipeline(domain: Domain, estimator: BaseEstimator) -> Pipeline:
    # Trees are scale-invariant; only linear models get standardised inputs.
    scale = isinstance(estimator, LogisticRegression | Ridge)
    preprocess = ColumnTransformer(
        [
            ("numeric", StandardScaler() if scale else "passthrough", list(domain.numeric)),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                list(domain.categorical),
            ),
        ]
    )
    return Pipeline([("preprocess", preprocess), ("model", clone(estimator))])


def score(model: Pipeline, domain: Domain, frame: pd.DataFrame) -> dict[str, float]:
    inputs, truth = frame[domain.features], frame[domain.target].to_numpy()
    if domain.task == "regression":
        predicted = model.predict(inputs)
        metrics = {
            "r2": r2_score(truth, predicted),
            "mae": mean_absolute_error(truth, predicted),
            "rmse": float(np.sqrt(mean_squared_error(truth, predicted))),
        }
    else:
        proba = model.predict_proba(inputs)[:, 1]
        labels = model.predict(inputs)
        metrics = {
            "roc_auc": roc_auc_score(truth, proba),
            "accuracy": accuracy_score(truth, labels),
            "precision": precision_score(truth, labels, zero_division=0),
            "recall": recall_score(truth, labels, zero_division=0),
            "f1": f1_score(truth, labels, zero_division=0),
            "log_loss": log_loss(truth, proba),
            "brier": brier_score_loss(truth, proba),
        }
    return {name: round(float(value), 4) for name, value in metrics.items()}


def outputs(model: Pipeline, domain: Domain, frame: pd.DataFrame) -> np.ndarray:
    inputs = frame[domain.features]
    return model.predict(inputs) if domain.task == "regression" else model.predict_proba(inputs)


def save_model(model: Pipeline, path: Path) -> list[str]:
    """Dump canonically and return the non-default types the file needs to be trusted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(canonical_skops(sio.dumps(model)))
    return sio.get_untrusted_types(file=path)


def build_model(spec: ModelSpec, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    domain = DOMAINS[spec.domain]
    train = pd.concat([frames[ident] for ident in spec.train], ignore_index=True)
    model = build_pipeline(domain, spec.estimator)
    model.fit(train[domain.features], train[domain.target])
    path = artifact_path(spec.ident, "models", ".skops")
    trusted = save_model(model, path)
    restored = sio.load(path, trusted=trusted)
    holdout = frames[spec.evaluate]
    if not np.array_equal(outputs(model, domain, holdout), outputs(restored, domain, holdout)):
        raise RuntimeError(f"{spec.ident}: reloaded model predicts differently")
    estimator = model.named_steps["model"]
    settings = estimator.get_params()
    return {
        "path": relative(path),
        "sha256": sha256(path),
        "algorithm": type(estimator).__name__,
        "task": domain.task,
        "features": domain.features,
        "target": domain.target,
        "training_data": list(spec.train),
        "evaluation_dataset": spec.evaluate,
        "params": {name: settings[name] for name in spec.params},
        "trusted_types": trusted,
        "metrics": score(restored, domain, holdout),
    }


# --------------------------------------------------------------------------- catalogue


def versions() -> dict[str, str]:
    return {
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "sklearn_version": sklearn.__version__,
        "skops_version": skops.__version__,
    }


def build() -> dict[str, Any]:
    frames, datasets = build_datasets()
    models = {spec.ident: build_model(spec, frames) for spec in MODELS}
    catalog = {**versions(), "datasets": datasets, "models": models}
    CATALOG.write_text(json.dumps(catalog, indent=2, sort_keys=True) + "\n")
    return catalog


def check(catalog: Mapping[str, Any]) -> list[str]:
    """Re-verify hashes, trusted-type loading and metrics of the files on disk."""
    problems = [
        f"{ident}: sha256 mismatch"
        for ident, entry in [*catalog["datasets"].items(), *catalog["models"].items()]
        if sha256(ROOT / entry["path"]) != entry["sha256"]
    ]
    for ident, entry in catalog["models"].items():
        domain = DOMAINS[next(spec.domain for spec in MODELS if spec.ident == ident)]
        model = sio.load(ROOT / entry["path"], trusted=entry["trusted_types"])
        dataset = catalog["datasets"][entry["evaluation_dataset"]]
        metrics = score(model, domain, pd.read_csv(ROOT / dataset["path"]))
        if metrics != entry["metrics"]:
            problems.append(f"{ident}: metrics {metrics} != catalog {entry['metrics']}")
    return problems


# --------------------------------------------------------------------------- monitoring

# Monitored production model -> (domain, the feature that drifts, its shift in the last period
# in interquartile ranges: about a PSI of 0.2, amber, by then). marketing-propensity (low
# risk) declares no monitoring, and claims-severity has no live feed yet (waiver W-2026-011). Live periods are the twelve months
# before the schedule's last day; the labels of the last two have not arrived.
LIVE_MODELS: dict[str, tuple[str, str, float]] = {
    "credit-default": ("credit", "debt_to_income", 0.23),
    "churn": ("churn", "avg_session_minutes", 0.16),
    "fraud-score": ("fraud", "avg_amount_30d", 0.145),
}
LIVE_PERIODS = tuple(f"{2025 + (10 + k) // 12}-{(10 + k) % 12 + 1:02d}" for k in range(12))
UNLABELLED_PERIODS = LIVE_PERIODS[-2:]
LIVE_ROWS = 600
SCHEDULE = ("2025-12-26", "2026-11-27")  # the days the daily workflow ran; 28-day runs end on the last


def live_partition(model: str, index: int) -> tuple[Path, pd.DataFrame]:
    domain_name, drifting, shift = LIVE_MODELS[model]
    domain = DOMAINS[domain_name]
    period = LIVE_PERIODS[index]
    frame = domain.generate(seeded_rng(f"{model}-live-{period}"), LIVE_ROWS, 0.0)
    frame = frame[[*domain.features, domain.target]].copy()
    spread = float(frame[drifting].quantile(0.75) - frame[drifting].quantile(0.25))
    frame[drifting] = frame[drifting] + shift * spread * index / (len(LIVE_PERIODS) - 1)
    if period in UNLABELLED_PERIODS:
        frame = frame.drop(columns=[domain.target])
    return EXAMPLES / "data" / "live" / f"{model}-{period}.csv", frame


def build_live_partitions() -> list[str]:
    written = []
    for model in LIVE_MODELS:
        for index in range(len(LIVE_PERIODS)):
            path, frame = live_partition(model, index)
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, **CSV_OPTIONS)
            written.append(relative(path))
    return written


def build_ledger() -> int:
    """`charter monitor --since FIRST --as-of LAST`: every run the daily schedule would have
    made; returns the runs recorded."""
    import datetime as dt

    sys.path.insert(0, str(ROOT / "engine"))
    from charter.commands.monitor import MonitorOptions, run_monitor_command

    first, last = (dt.date.fromisoformat(d) for d in SCHEDULE)
    before = len(list((ROOT / "monitoring").glob("*/*/*.json")))
    options = MonitorOptions(root=ROOT, as_of=last, since=first,
                             today=max(last, dt.date.today()))
    if run_monitor_command(options) != 0:
        raise RuntimeError(f"charter monitor --since {first} --as-of {last} failed")
    return len(list((ROOT / "monitoring").glob("*/*/*.json"))) - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify files against catalog.json")
    parser.add_argument("--monitoring", action="store_true",
                        help="write the live partitions and extend the monitoring ledger")
    arguments = parser.parse_args()
    if arguments.monitoring:
        print(f"{len(build_live_partitions())} live partitions written")
        print(f"{build_ledger()} monitoring runs recorded under monitoring/")
        return 0
    if arguments.check:
        problems = check(json.loads(CATALOG.read_text()))
        print("\n".join(problems) or "catalog.json matches the files on disk")
        return 1 if problems else 0
    catalog = build()
    for ident, entry in catalog["models"].items():
        print(f"{ident:30} {entry['algorithm']:28} {entry['metrics']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
