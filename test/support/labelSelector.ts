/**
 * The `labelSelector` query parameter as the API server reads it, for test stubs
 * (kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors): comma-separated
 * requirements, ANDed; equality-based `k=v`, `k==v`, `k!=v` and set-based `k in (a,b)`, `k notin (a,b)`,
 * `k`, `!k` (a comma inside the parentheses separates values, not requirements). A `!=`/`notin`
 * requirement also matches objects without the label. Any other form throws: a stub must not guess.
 */
export function selects(selector: string | null, labels: Record<string, string | undefined>): boolean {
    const requirements: string[] = [];
    let depth = 0;
    let current = "";
    for (const ch of selector ?? "") {
        if (ch === "(") depth++;
        if (ch === ")") depth--;
        if (ch === "," && depth === 0) {
            requirements.push(current);
            current = "";
        } else current += ch;
    }
    requirements.push(current);
    const has = (k: string) => labels[k] !== undefined;
    return requirements
        .map((r) => r.trim())
        .filter(Boolean)
        .every((r) => {
            let m = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(r);
            if (m) return m[2] === "!=" ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
            m = /^([^\s!]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(r);
            if (m) {
                const values = m[3].split(",").map((v) => v.trim());
                const v = labels[m[1]];
                return m[2] === "in" ? v !== undefined && values.includes(v) : v === undefined || !values.includes(v);
            }
            m = /^(!?)([^\s!=(),]+)$/.exec(r);
            if (m) return m[1] === "!" ? !has(m[2]) : has(m[2]);
            throw new Error(`stub: label selector requirement ${JSON.stringify(r)} is no form the API server accepts`);
        });
}
