#pragma once
// A tiny well-formedness checker for the SVG tests (no XML library needed): one root
// element, tags that nest and close, quoted attributes, and '&' only in the five predefined
// or numeric entities. Returns every element with its attributes, in document order.
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace memsim::test {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // character data directly inside (entities left as written)
};

inline void check_xml_entities(const std::string& s, std::size_t offset) {
  for (std::size_t i = s.find('&'); i != std::string::npos; i = s.find('&', i + 1)) {
    const std::size_t end = s.find(';', i);
    if (end == std::string::npos)
      throw std::runtime_error("bare & at " + std::to_string(offset + i));
    const std::string e = s.substr(i + 1, end - i - 1);
    const bool named = e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos";
    const bool numeric = e.size() > 1 && e[0] == '#';
    if (!named && !numeric)
      throw std::runtime_error("unknown entity &" + e + "; at " + std::to_string(offset + i));
  }
}

inline std::vector<XmlElement> parse_xml(const std::string& doc) {
  std::vector<XmlElement> all;
  std::vector<std::size_t> open;  // indices into `all`
  bool root_seen = false;
  std::size_t i = 0;
  if (doc.rfind("<?xml", 0) == 0) i = doc.find("?>") + 2;
  while (i < doc.size()) {
    const std::size_t lt = doc.find('<', i);
    const std::string text = doc.substr(i, (lt == std::string::npos ? doc.size() : lt) - i);
    check_xml_entities(text, i);
    if (text.find('>') != std::string::npos)
      throw std::runtime_error("bare > in text at " + std::to_string(i));
    if (open.empty()) {
      for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c)))
          throw std::runtime_error("text outside the root");
    } else {
      all[open.back()].text += text;
    }
    if (lt == std::string::npos) break;
    const std::size_t gt = doc.find('>', lt);
    if (gt == std::string::npos) throw std::runtime_error("unclosed tag at " + std::to_string(lt));
    std::string tag = doc.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    if (!tag.empty() && tag[0] == '/') {
      if (open.empty() || all[open.back()].name != tag.substr(1))
        throw std::runtime_error("unexpected </" + tag.substr(1) + "> at " + std::to_string(lt));
      open.pop_back();
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    XmlElement el;
    std::size_t p = 0;
    while (p < tag.size() && !std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
    el.name = tag.substr(0, p);
    if (el.name.empty()) throw std::runtime_error("empty tag name at " + std::to_string(lt));
    while (p < tag.size()) {
      while (p < tag.size() && std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
      if (p == tag.size()) break;
      const std::size_t eq = tag.find('=', p);
      if (eq == std::string::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"')
        throw std::runtime_error("attribute without a quoted value in <" + el.name + ">");
      const std::size_t close = tag.find('"', eq + 2);
      if (close == std::string::npos)
        throw std::runtime_error("unterminated attribute in <" + el.name + ">");
      const std::string key = tag.substr(p, eq - p), value = tag.substr(eq + 2, close - eq - 2);
      if (value.find('<') != std::string::npos)
        throw std::runtime_error("< in an attribute of <" + el.name + ">");
      check_xml_entities(value, lt);
      if (!el.attributes.emplace(key, value).second)
        throw std::runtime_error("attribute " + key + " repeated in <" + el.name + ">");
      p = close + 1;
    }
    if (open.empty()) {
      if (root_seen) throw std::runtime_error("a second root element <" + el.name + ">");
      root_seen = true;
    }
    all.push_back(el);
    if (!self_closing) open.push_back(all.size() - 1);
  }
  if (!open.empty()) throw std::runtime_error("<" + all[open.back()].name + "> is never closed");
  if (!root_seen) throw std::runtime_error("no root element");
  return all;
}

// How many elements named `name` have class="cls".
inline std::size_t count_class(const std::vector<XmlElement>& els, const std::string& name,
                               const std::string& cls) {
  std::size_t n = 0;
  for (const XmlElement& e : els) {
    const auto it = e.attributes.find("class");
    n += e.name == name && it != e.attributes.end() && it->second == cls;
  }
  return n;
}

}  // namespace memsim::test
