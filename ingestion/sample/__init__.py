"""Deterministic, realistic sample extracts for CRM, marketing and finance."""

from ingestion.sample.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
