"""The pure decision core of Cheers: policies, conditions, choices, recommendations, rendering."""

from __future__ import annotations
