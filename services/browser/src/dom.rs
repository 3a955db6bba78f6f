//! DOM operations on a [`Page`], each a small JavaScript snippet run via Runtime.evaluate:
//! simpler than DOM.* node ids and close enough to what a user's browser does for the forms and
//! links our tests exercise.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{BrowserError, Page, Result};

/// How often `wait_for` re-checks the DOM.
const POLL: Duration = Duration::from_millis(100);

impl Page {
    /// Sets an input's or textarea's value and fires `input` and `change`, as typing would.
    pub async fn fill(&self, selector: &str, value: &str) -> Result<()> {
        let body = format!(
            "if (!('value' in el)) return 'it has no value (not an input)';
             if (el.disabled || el.readOnly) return 'it is disabled or read-only';
             el.focus(); el.value = {v};
             el.dispatchEvent(new Event('input', {{ bubbles: true }}));
             el.dispatchEvent(new Event('change', {{ bubbles: true }}));
             return null;",
            v = js_string(value)
        );
        self.act("fill", selector, &body).await
    }

    /// Picks the `<select>` option whose value (or, failing that, label) is `value`.
    pub async fn select(&self, selector: &str, value: &str) -> Result<()> {
        let body = format!(
            "if (el.tagName !== 'SELECT') return 'it is a <' + el.tagName.toLowerCase() + '>, not a <select>';
             const opts = Array.from(el.options);
             const opt = opts.find(o => o.value === {v}) || opts.find(o => o.label.trim() === {v});
             if (!opt) return 'no option has value or label ' + JSON.stringify({v}) +
                 ' (values: ' + opts.map(o => o.value).join(', ') + ')';
             el.value = opt.value;
             el.dispatchEvent(new Event('input', {{ bubbles: true }}));
             el.dispatchEvent(new Event('change', {{ bubbles: true }}));
             return null;",
            v = js_string(value)
        );
        self.act("select", selector, &body).await
    }

    /// Clicks the element (scrolled into view first). Does not wait for anything it triggers.
    pub async fn click(&self, selector: &str) -> Result<()> {
        let body = "if (el.disabled) return 'it is disabled';
                    el.scrollIntoView({ block: 'center' }); el.click(); return null;";
        self.act("click", selector, body).await
    }

    /// The element's rendered text (`innerText`).
    pub async fn text(&self, selector: &str) -> Result<String> {
        let v = self
            .on_element(selector, "return el.innerText ?? el.textContent;")
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// How many elements match the selector (0 is not an error).
    pub async fn count(&self, selector: &str) -> Result<usize> {
        let v = self
            .eval(&format!(
                "document.querySelectorAll({}).length",
                js_string(selector)
            ))
            .await?;
        Ok(v.as_u64().unwrap_or(0) as usize)
    }

    /// Waits until at least one element matches, polling; errors once `timeout` has passed.
    pub async fn wait_for(&self, selector: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.count(selector).await {
                Ok(n) if n > 0 => return Ok(()),
                // A bad selector never starts matching, and a dead browser never answers.
                Err(e @ (BrowserError::Js { .. } | BrowserError::Disconnected { .. })) => {
                    return Err(e)
                }
                // No match yet, or the document was swapped mid-call ("context destroyed").
                _ => {}
            }
            if Instant::now() >= deadline {
                let what = format!("an element matching `{selector}`");
                return Err(BrowserError::Timeout { what, timeout });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Whether an `<img>` has finished loading and decoded to a non-empty image.
    pub async fn image_loaded(&self, selector: &str) -> Result<bool> {
        let v = self
            .on_element(
                selector,
                "return el.complete === true && el.naturalWidth > 0;",
            )
            .await?;
        Ok(v == Value::Bool(true))
    }

    /// Runs `body` (a function body with `el` bound) on the first match; its return value is the
    /// result. No match is [`BrowserError::NoElement`].
    async fn on_element(&self, selector: &str, body: &str) -> Result<Value> {
        let js = format!(
            "(() => {{ const el = document.querySelector({sel});
                if (!el) return {{ found: false }};
                return {{ found: true, value: (() => {{ {body} }})() }}; }})()",
            sel = js_string(selector)
        );
        let v = self.eval(&js).await?;
        if v.get("found") != Some(&Value::Bool(true)) {
            return Err(BrowserError::NoElement {
                selector: selector.to_owned(),
            });
        }
        Ok(v.get("value").cloned().unwrap_or(Value::Null))
    }

    /// Like `on_element`, for actions whose body returns null or a string saying why it refused.
    async fn act(&self, action: &'static str, selector: &str, body: &str) -> Result<()> {
        match self.on_element(selector, body).await? {
            Value::String(reason) => Err(BrowserError::Element {
                action,
                selector: selector.to_owned(),
                reason,
            }),
            _ => Ok(()),
        }
    }
}

/// A JavaScript string literal for `s`; JSON's escaping is valid JavaScript.
pub(crate) fn js_string(s: &str) -> String {
    Value::from(s).to_string()
}
