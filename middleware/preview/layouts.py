"""The preview console's HTML templates: plain forms, tables and iframes, inline CSS, no script."""

from __future__ import annotations

from typing import Final

__all__ = ["LAYOUTS", "STYLE"]

#: The console's style sheet (trusted text: inserted unescaped into a <style> element).
STYLE: Final = """
:root{--ink:#1d2430;--muted:#5b6472;--line:#dfe3ea;--bg:#f6f7f9;--accent:#1f6feb;--ok:#1a7f37;
  --off:#8c959f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink);background:var(--bg)}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
.bar{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.25rem;background:#111827;
  color:#fff}
.bar strong{font-size:15px;letter-spacing:.02em}
.bar nav{display:flex;gap:1rem;flex:1}
.bar a{color:#cbd5e1}
.bar a[aria-current]{color:#fff;font-weight:600}
.bar form{margin:0}
.bar button{background:none;border:1px solid #475569;color:#cbd5e1;border-radius:4px;
  padding:.15rem .6rem;cursor:pointer}
main{padding:1.25rem;max-width:1600px;margin:0 auto}
h1{font-size:20px;margin:.2rem 0 1rem}
h2{font-size:16px;margin:1.5rem 0 .6rem}
.muted{color:var(--muted)}
.small{font-size:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;
  margin-bottom:1rem}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);
  border-radius:8px}
th,td{border-bottom:1px solid var(--line);padding:.55rem .7rem;text-align:left;
  vertical-align:top}
thead th{background:#eef1f5;font-size:12px;text-transform:uppercase;letter-spacing:.04em;
  color:var(--muted)}
tbody th{width:16rem}
.facts{margin:.3rem 0 0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.25rem .4rem}
.facts li{background:#eef1f5;border-radius:999px;padding:0 .55rem;font-size:12px;color:#334155}
.pages a{display:inline-block;margin:0 .5rem .25rem 0;padding:.1rem .5rem;
  border:1px solid var(--line);border-radius:4px;background:#fff}
.pick{font-weight:600}
.pick.default{color:var(--off);font-weight:500}
.variant{color:#8250df}
.tpl{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--muted)}
ol.trace{margin:.35rem 0 0;padding-left:1.1rem;font-size:12px;color:var(--muted)}
ol.trace li.matched{color:var(--ok);font-weight:600}
form.inline{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
label{display:block;font-size:12px;color:var(--muted)}
input[type=text],input[type=password],select{font:inherit;padding:.35rem .5rem;
  border:1px solid #c5cbd3;border-radius:4px;min-width:16rem}
button.primary{font:inherit;background:var(--accent);color:#fff;border:0;border-radius:4px;
  padding:.45rem 1rem;cursor:pointer}
.checks{display:flex;flex-wrap:wrap;gap:.4rem 1rem}
.checks label{color:var(--ink);font-size:13px}
.frames{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
.frames figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;
  overflow:hidden}
.frames figcaption{padding:.5rem .75rem;border-bottom:1px solid var(--line)}
.frames iframe{display:block;width:100%;height:860px;border:0}
.error{color:#b42318;font-weight:600}
.login{max-width:26rem;margin:4rem auto}
"""

_BASE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{ title }} · Cheers preview</title>
<style>{{ css }}</style>
</head>
<body>
<header class="bar">
  <strong>Cheers preview</strong>
  {% if nav %}
  <nav>
  {% for name, label in (("", "Personas"), ("compare", "Side by side"), ("matrix", "Matrix")) %}
    <a href="{{ prefix }}/{{ name }}"
       {%- if current == (name or "index") %} aria-current="page"{% endif %}>{{ label }}</a>
  {% endfor %}
  </nav>
  <form method="post" action="{{ prefix }}/logout"><button type="submit">Log out</button></form>
  {% endif %}
</header>
<main>{% block content %}{% endblock %}</main>
</body>
</html>
"""

_LOGIN: Final = """{% extends "base" %}{% block content %}
<div class="card login">
  <h1>Preview console</h1>
  <p class="muted">Enter the preview secret to see this site as your personas.</p>
  {% if failed %}<p class="error">That is not the preview secret.</p>{% endif %}
  <form method="post" action="{{ prefix }}/login">
    <label for="secret">Preview secret</label>
    <p><input id="secret" type="password" name="secret" autocomplete="current-password"
              required autofocus></p>
    <button class="primary" type="submit">Open the console</button>
  </form>
</div>
{% endblock %}"""

_FACTS: Final = """<ul class="facts">
{%- for fact in facts %}<li>{{ fact }}</li>{% endfor -%}
</ul>"""

_INDEX: Final = """{% extends "base" %}{% block content %}
<h1>Personas <span class="muted small">{{ personas|length }} in {{ filename }}</span></h1>
<table>
  <thead><tr><th>Persona</th><th>Who they are</th><th>Preview a page</th></tr></thead>
  <tbody>
  {% for persona, facts in personas %}
    <tr>
      <th id="{{ persona.name }}">{{ persona.name }}</th>
      <td>{{ persona.description }}{% include "facts" %}</td>
      <td class="pages">{% for page in pages -%}
        <a href="{{ prefix }}/view/{{ persona.name }}{{ page }}">{{ page }}</a>
      {%- endfor %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
<h2>Compare</h2>
<div class="card">{% include "compare_form" %}</div>
<h2>Matrix</h2>
<p class="pages">Every persona × every slot, with the rule that won and why the others did not:
{% for page in pages -%}
  <a href="{{ prefix }}/matrix?path={{ page|urlencode }}">{{ page }}</a>
{%- endfor %}</p>
{% endblock %}"""

_COMPARE_FORM: Final = """<form class="inline" method="get" action="{{ prefix }}/compare">
  <div><label for="path">Page</label>
    <input id="path" type="text" name="path" value="{{ path }}" list="pages"></div>
  <datalist id="pages">{% for page in pages %}<option value="{{ page }}">{% endfor %}</datalist>
  <div><label>Personas</label><div class="checks">
  {% for persona, _ in personas %}
    <label><input type="checkbox" name="persona" value="{{ persona.name }}"
      {%- if persona.name in chosen %} checked{% endif %}> {{ persona.name }}</label>
  {% endfor %}
  </div></div>
  <button class="primary" type="submit">Side by side</button>
</form>"""

_COMPARE: Final = """{% extends "base" %}{% block content %}
<h1>{{ path }} <span class="muted small">side by side</span></h1>
<div class="card">{% include "compare_form" %}</div>
<div class="frames">
{% for persona, facts in shown %}
  <figure>
    <figcaption><strong>{{ persona.name }}</strong>
      <span class="muted">{{ persona.description }}</span>{% include "facts" %}</figcaption>
    <iframe src="{{ prefix }}/view/{{ persona.name }}{{ path }}"
            title="{{ path }} as {{ persona.name }}"></iframe>
  </figure>
{% endfor %}
</div>
{% endblock %}"""

_CELL: Final = """<td>
  <div class="pick{% if d.rule is none %} default{% endif %}">{{ d.rule or "no rule" }}
    {%- if d.variant %} · <span class="variant">{{ d.variant }}</span>{% endif %}</div>
  <div class="tpl">{{ shows(d) }}</div>
  {% if d.trace %}<ol class="trace">
    {%- for step in d.trace %}<li class="{{ step.outcome }}">{{ step }}</li>{% endfor -%}
  </ol>{% endif %}
</td>"""

_MATRIX: Final = """{% extends "base" %}{% block content %}
<h1>{{ path }} <span class="muted small">every persona × every slot</span></h1>
<p class="pages">{% for page in pages -%}
  <a href="{{ prefix }}/matrix?path={{ page|urlencode }}">{{ page }}</a>
{%- endfor %}</p>
<table>
  <thead><tr><th>Persona</th>{% for slot in slots %}<th>{{ slot }}</th>{% endfor %}</tr></thead>
  <tbody>
  {% for row in rows %}
    <tr>
      <th><a href="{{ prefix }}/view/{{ row.persona.name }}{{ path }}">{{ row.persona.name }}</a>
        <div class="muted small">{{ row.persona.description }}</div>
        {% if row.note %}<div class="small error">{{ row.note }}</div>{% endif %}</th>
      {% for slot in slots %}{% set d = row.decisions[slot] %}{% include "cell" %}{% endfor %}
    </tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}"""

#: Template sources by name, for a ``DictLoader``.
LAYOUTS: Final = {
    "base": _BASE,
    "login": _LOGIN,
    "facts": _FACTS,
    "index": _INDEX,
    "compare_form": _COMPARE_FORM,
    "compare": _COMPARE,
    "cell": _CELL,
    "matrix": _MATRIX,
}
