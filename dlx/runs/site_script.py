"""The one script of the site's index page: sort the table by a click on a header, filter it as the user types.

Plain JavaScript inline in the page (no module, no request: it runs from file://). A cell's
``data-value`` holds its JSON value, so numbers sort as numbers and empty cells sort last. The
filter is a list of terms that must all hold: ``key=value`` (text equal, or numbers equal),
``key>number``, ``key<number``, ``key~text`` (contains), or a bare word found anywhere in the row.
"""

SCRIPT = r"""
(function () {
  const table = document.getElementById('runs');
  const body = table.tBodies[0];
  const headers = [...table.tHead.rows[0].cells];
  const keys = headers.map(h => h.dataset.key);
  const value = (row, i) => {
    const cell = row.cells[i];
    if (cell.dataset.value === undefined) return cell.textContent.trim();
    try { return JSON.parse(cell.dataset.value); } catch (error) { return cell.textContent.trim(); }
  };
  const compare = (a, b) => {
    const emptyA = a === null || a === '', emptyB = b === null || b === '';
    if (emptyA || emptyB) return emptyA === emptyB ? 0 : (emptyA ? 1 : -1);
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a).localeCompare(String(b));
  };
  headers.forEach((header, i) => header.addEventListener('click', () => {
    const descending = header.classList.contains('asc');
    headers.forEach(h => h.classList.remove('asc', 'desc'));
    header.classList.add(descending ? 'desc' : 'asc');
    const rows = [...body.rows];
    rows.sort((x, y) => {
      const a = value(x, i), b = value(y, i), empty = v => v === null || v === '';
      if (empty(a) || empty(b)) return compare(a, b);
      return descending ? -compare(a, b) : compare(a, b);
    });
    rows.forEach(row => body.appendChild(row));
  }));
  const holds = (row, term) => {
    const found = term.match(/^([^=<>~]+)(=|<|>|~)(.*)$/);
    if (!found) return row.textContent.toLowerCase().includes(term.toLowerCase());
    const [, key, op, wanted] = found, i = keys.indexOf(key);
    if (i < 0) return false;
    const actual = value(row, i), number = Number(wanted);
    if (op === '~') return String(actual ?? '').toLowerCase().includes(wanted.toLowerCase());
    if (op === '=') return String(actual) === wanted || (typeof actual === 'number' && actual === number);
    if (typeof actual !== 'number' || Number.isNaN(number)) return false;
    return op === '<' ? actual < number : actual > number;
  };
  const input = document.getElementById('filter');
  const shown = document.getElementById('shown');
  const apply = () => {
    const terms = input.value.split(/\s+/).filter(Boolean);
    let count = 0;
    [...body.rows].forEach(row => {
      const keep = terms.every(term => holds(row, term));
      row.style.display = keep ? '' : 'none';
      count += keep;
    });
    shown.textContent = `${count} of ${body.rows.length} shown`;
  };
  input.addEventListener('input', apply);
  apply();
})();
"""
