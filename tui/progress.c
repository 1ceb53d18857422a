#include "tui/progress.h"

#include <stdio.h>
#include <string.h>

#define BAR_MIN 10
#define BAR_MAX 40

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The number in [s, e): digits, the last ',' or '.' the decimal point when
 * `decimal`, every other one a thousands separator. */
static double number(const char *s, const char *e, int decimal)
{
	const char *point = NULL, *c;
	double v = 0, scale = 1;

	if (decimal)
		for (c = s; c < e; c++)
			if (*c == ',' || *c == '.')
				point = c;
	for (c = s; c < e; c++) {
		if (!digit(*c))
			continue;
		if (point && c > point)
			v += (scale /= 10) * (*c - '0');
		else
			v = v * 10 + (*c - '0');
	}
	return v;
}

/* Digits with separators, from s; NULL when there is none. */
static const char *number_end(const char *s)
{
	const char *e = s;

	if (!digit(*s))
		return NULL;
	while (digit(*e) || *e == ',' || *e == '.')
		e++;
	return e;
}

/* A count as an integer: a double beyond what uint64_t holds (a line of
 * thousands of digits) is undefined to cast, so it is the most it holds. */
static uint64_t count_of(double v)
{
	if (!(v >= 0))
		return 0;
	return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

/* BYTES: "1,234,567" (or "1.234.567"), or "1.23M" (rsync -h: 1000-based). */
static const char *bytes_field(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTP";
	const char *e = number_end(s), *u;
	double mult = 1;
	size_t k;

	if (!e)
		return NULL;
	if (*e && (u = strchr(units, *e))) {
		for (k = (size_t)(u - units) + 1; k > 0; k--)
			mult *= 1000;
		*out = count_of(number(s, e, 1) * mult);
		return e + 1;
	}
	*out = count_of(number(s, e, 0));
	return e;
}

/* RATE: "12.34MB/s" (rsync's kB, MB, GB are 1024-based). */
static const char *rate_field(const char *s, double *out)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "B/s", 1 }, { "kB/s", 1024.0 }, { "KB/s", 1024.0 }, { "MB/s", 1024.0 * 1024 },
		{ "GB/s", 1024.0 * 1024 * 1024 }, { "TB/s", 1024.0 * 1024 * 1024 * 1024 },
	};
	const char *e = number_end(s);
	size_t i;

	if (!e)
		return NULL;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t n = strlen(units[i].unit);
		if (strncmp(e, units[i].unit, n) == 0) {
			*out = number(s, e, 1) * units[i].mult;
			return e + n;
		}
	}
	return NULL;
}

/* TIME: "H:MM:SS" (seconds into *out) or "??:??:??" (-1). */
static const char *time_field(const char *s, long *out)
{
	long h = 0;
	const char *c = s;

	if (strncmp(s, "??:??:??", 8) == 0) {
		*out = -1;
		return s + 8;
	}
	if (!digit(*c))
		return NULL;
	while (digit(*c) && h < 1000000)
		h = h * 10 + (*c++ - '0');
	if (c[0] != ':' || !digit(c[1]) || !digit(c[2]) || c[3] != ':' || !digit(c[4]) || !digit(c[5]) ||
	    c[1] > '5' || c[4] > '5')
		return NULL;
	*out = h * 3600 + ((c[1] - '0') * 10 + (c[2] - '0')) * 60 + (c[4] - '0') * 10 + (c[5] - '0');
	return c + 6;
}

int tui_progress_parse(const char *text, struct tui_progress *p)
{
	const char *s = spaces(text), *chk;
	long t, left, total;
	int pct = 0;

	memset(p, 0, sizeof *p);
	p->eta = p->files_left = p->files_total = -1;
	if (!(s = bytes_field(s, &p->bytes)) || (*s != ' ' && *s != '\t'))
		return -1;
	s = spaces(s);
	if (!digit(*s))
		return -1;
	while (digit(*s) && pct <= 100)
		pct = pct * 10 + (*s++ - '0');
	if (*s++ != '%' || pct > 100)
		return -1;
	p->percent = pct;
	if (!(s = rate_field(spaces(s), &p->rate)) || !(s = time_field(spaces(s), &t)))
		return -1;
	s = spaces(s);
	if (*s && *s != '(')
		return -1;
	if ((chk = strstr(s, "to-chk=")) || (chk = strstr(s, "ir-chk="))) {
		p->listing = chk[0] == 'i';
		if (sscanf(chk + 7, "%ld/%ld", &left, &total) == 2 && left >= 0 && total >= left) {
			p->files_left = left;
			p->files_total = total;
		}
	}
	if (!strstr(s, "xfr#")) { /* a file in the middle of its copy: the time left */
		p->eta = t;
	} else if (pct >= 100) { /* as a file ends: the time since the start */
		p->eta = 0;
	} else if (pct > 0 && t >= 0 && !p->listing) {
		p->eta = t * (100 - pct) / pct;
		p->estimated = 1;
	}
	if (p->listing && pct < 100)
		p->eta = -1;
	return 0;
}

void tui_progress_size(double bytes, char *out, size_t n)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	size_t u = 0;

	while (bytes >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, n, "%.0f B", bytes);
	else
		snprintf(out, n, bytes < 99.95 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/* "ETA 1:02:03", "ETA ~1:02:03" (worked out), "listing files", "ETA ?". */
static void eta_text(const struct tui_progress *p, char *out, size_t n)
{
	if (p->eta >= 0)
		snprintf(out, n, "ETA %s%ld:%02ld:%02ld", p->estimated ? "~" : "", p->eta / 3600, p->eta / 60 % 60,
		         p->eta % 60);
	else
		snprintf(out, n, "%s", p->listing ? "listing files" : "ETA ?");
}

int tui_progress_format(const struct tui_progress *p, int width, char *out, size_t n)
{
	char size[32], rate[32], eta[32], figures[160], files[64] = "";
	int bar, filled, i, len;

	tui_progress_size((double)p->bytes, size, sizeof size);
	tui_progress_size(p->rate, rate, sizeof rate);
	eta_text(p, eta, sizeof eta);
	if (p->files_left >= 0)
		snprintf(files, sizeof files, "  %ld/%ld files left", p->files_left, p->files_total);
	len = snprintf(figures, sizeof figures, "%d%%  %s  %s/s  %s%s", p->percent, size, rate, eta, files);
	bar = width - 3 - len;
	if (bar < BAR_MIN && files[0]) { /* the files left go first */
		len -= (int)strlen(files);
		figures[len] = '\0';
		bar = width - 3 - len;
	}
	if (bar < BAR_MIN) {
		snprintf(out, n, "%.*s", width > 0 ? width : 0, figures);
		return -1;
	}
	if (bar > BAR_MAX)
		bar = BAR_MAX;
	if ((size_t)bar + 4 + (size_t)len > n) {
		if (n)
			out[0] = '\0';
		return -1;
	}
	filled = p->percent * bar / 100;
	out[0] = '[';
	for (i = 0; i < bar; i++)
		out[1 + i] = i < filled ? '#' : '-';
	snprintf(out + 1 + bar, n - 1 - (size_t)bar, "] %s", figures);
	return filled;
}
