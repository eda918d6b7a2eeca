"""Linear expressions built directly from (coefficient, variable) terms.

Pyomo's operator overloading (``a*x + b*y``) builds an expression tree one
node at a time; a constraint body built here is one ``LinearExpression``,
made once, and a rule returns ``(lower, body, upper)`` so no relational
expression is built either.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyomo.core.expr.numeric_expr import LinearExpression

Terms = Iterable[tuple[float, object]]


def lin(terms: Terms, constant: float = 0.0) -> LinearExpression:
    coefs, variables = [], []
    for coef, var in terms:
        coefs.append(coef)
        variables.append(var)
    return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=variables)


def eq(terms: Terms, rhs: float) -> tuple:
    """sum(terms) == rhs"""
    return (rhs, lin(terms), rhs)


def le(terms: Terms, rhs: float) -> tuple:
    """sum(terms) <= rhs"""
    return (None, lin(terms), rhs)


def ge(terms: Terms, rhs: float) -> tuple:
    """sum(terms) >= rhs"""
    return (rhs, lin(terms), None)
