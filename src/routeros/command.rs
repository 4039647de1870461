//! What a caller sends ([`Command`]) and gets back ([`Reply`], [`Item`]), independent of the
//! connection that carries them.

use std::fmt;

use super::codec::{Sentence, Word, attribute_word, lossy};

/// A request: a command path plus attribute and query words. The tag is added by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    words: Vec<Vec<u8>>,
}

impl Command {
    /// A command such as `/ip/hotspot/user/print`.
    pub fn new(path: &str) -> Command {
        Command {
            words: vec![path.as_bytes().to_vec()],
        }
    }

    /// Adds `=name=value`.
    pub fn attr(self, name: &str, value: impl AsRef<str>) -> Command {
        self.attr_bytes(name, value.as_ref().as_bytes())
    }

    /// Adds `=name=value` with a value that is not text.
    pub fn attr_bytes(mut self, name: &str, value: &[u8]) -> Command {
        self.words.push(attribute_word(name, value));
        self
    }

    /// Adds a query word; the leading `?` is added if missing (`"disabled=true"` or `"?#|"`).
    pub fn query(mut self, query: &str) -> Command {
        let word = if query.starts_with('?') {
            query.to_owned()
        } else {
            format!("?{query}")
        };
        self.words.push(word.into_bytes());
        self
    }

    /// Adds `=.proplist=a,b,…` so print returns only these properties.
    pub fn proplist(self, names: &[&str]) -> Command {
        self.attr(".proplist", names.join(","))
    }

    /// Adds `=.id=…` naming the item(s) to act on.
    pub fn id(self, id: &ItemId) -> Command {
        self.attr(".id", id.as_str())
    }

    /// The command path (first word).
    pub fn path(&self) -> String {
        self.words
            .first()
            .map(|w| lossy(w).into_owned())
            .unwrap_or_default()
    }

    /// The words to send, without a tag.
    pub fn words(&self) -> &[Vec<u8>] {
        &self.words
    }
}

/// An item id as the router prints it (`*1A`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(String);

impl ItemId {
    /// Wraps an id such as `*1A` (several may be joined with commas).
    pub fn new(id: impl Into<String>) -> ItemId {
        ItemId(id.into())
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Several ids in one (`*1,*2`), for commands that act on many items at once.
    pub fn join<'a>(ids: impl IntoIterator<Item = &'a ItemId>) -> ItemId {
        ItemId(
            ids.into_iter()
                .map(ItemId::as_str)
                .collect::<Vec<_>>()
                .join(","),
        )
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One `!re` reply: property names to values, in the order the router sent them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Item {
    props: Vec<(String, String)>,
}

impl Item {
    /// Collects the `=name=value` attributes of a reply sentence (bytes decoded lossily).
    pub fn from_sentence(sentence: &Sentence) -> Item {
        let props = sentence
            .words
            .iter()
            .skip(1)
            .filter_map(|w| match Word::parse(w) {
                Word::Attribute { name, value } => {
                    Some((lossy(name).into_owned(), lossy(value).into_owned()))
                }
                _ => None,
            })
            .collect();
        Item { props }
    }

    /// The value of a property.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `.id` of the item.
    pub fn id(&self) -> Option<ItemId> {
        self.get(".id").map(ItemId::new)
    }

    /// All properties in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.props.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// True if the item has no properties.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }
}

impl FromIterator<(String, String)> for Item {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        Item {
            props: iter.into_iter().collect(),
        }
    }
}

/// The outcome of a finished command: its `!re` items and the `=ret=` of its `!done`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub items: Vec<Item>,
    pub ret: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_produces_words_in_order() {
        let c = Command::new("/ip/hotspot/user/print")
            .attr("name", "x")
            .query("disabled=true")
            .query("?#|")
            .proplist(&["name", "disabled"]);
        let words: Vec<String> = c
            .words()
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        assert_eq!(
            words,
            [
                "/ip/hotspot/user/print",
                "=name=x",
                "?disabled=true",
                "?#|",
                "=.proplist=name,disabled"
            ]
        );
        assert_eq!(c.path(), "/ip/hotspot/user/print");
    }

    #[test]
    fn item_keeps_order_and_values_with_equals() {
        let s = Sentence::new(vec![
            b"!re".to_vec(),
            b".tag=1".to_vec(),
            b"=.id=*1".to_vec(),
            b"=name=a=b".to_vec(),
            b"=comment=".to_vec(),
        ]);
        let item = Item::from_sentence(&s);
        assert_eq!(
            item.iter().collect::<Vec<_>>(),
            vec![(".id", "*1"), ("name", "a=b"), ("comment", "")]
        );
        assert_eq!(item.id(), Some(ItemId::new("*1")));
        assert_eq!(
            ItemId::join(&[ItemId::new("*1"), ItemId::new("*2")]).as_str(),
            "*1,*2"
        );
    }
}
