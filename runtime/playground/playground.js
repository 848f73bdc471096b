(function () {
  'use strict';

  var ACK_TIMEOUT_MS = 10000;
  var LOG_LIMIT = 300;
  var SHOWN_CHARS = 20000;
  var NAMES = [
    'alice',
    'bob',
    'carol',
    'dave',
    'erin',
    'frank',
    'grace',
    'heidi',
  ];
  var state = { doc: null, settings: null, channels: [], opened: 0 };
  var openForm = document.getElementById('open-form');
  var channelSelect = document.getElementById('channel');
  var pathInput = document.getElementById('path');
  var userInput = document.getElementById('user');
  var tokenInput = document.getElementById('token');
  var statusLine = document.getElementById('status');
  var connections = document.getElementById('connections');
  var cardTemplate = document.getElementById('connection-template');

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function say(message, problem) {
    statusLine.textContent = message;
    statusLine.classList.toggle('problem', Boolean(problem));
  }

  function getJson(url, init) {
    return fetch(url, init).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var message = body && body.message;
          throw new Error(
            Array.isArray(message)
              ? message.join('; ')
              : message || response.statusText,
          );
        }
        return body;
      });
    });
  }

  // JSON Pointer references inside the AsyncAPI document (#/components/schemas/X).
  function resolve(node) {
    var seen = 0;
    while (node && typeof node.$ref === 'string' && seen++ < 32) {
      var target = state.doc;
      node.$ref
        .replace(/^#\//, '')
        .split('/')
        .forEach(function (part) {
          var key = decodeURIComponent(part)
            .replace(/~1/g, '/')
            .replace(/~0/g, '~');
          target = target == null ? undefined : target[key];
        });
      node = target;
    }
    return node;
  }

  function describeChannels(doc) {
    var byId = {};
    var list = Object.keys(doc.channels || {}).map(function (id) {
      var channel = doc.channels[id];
      byId[id] = {
        id: id,
        address: channel.address,
        title: channel.title || id,
        description: channel.description || '',
        clientEvents: [],
        serverEvents: [],
      };
      return byId[id];
    });
    Object.keys(doc.operations || {}).forEach(function (key) {
      var operation = doc.operations[key];
      var channel =
        byId[
          String(operation.channel && operation.channel.$ref)
            .split('/')
            .pop()
        ];
      var message = resolve((operation.messages || [])[0]);
      if (!channel || !message || !message.name) return;
      var event = {
        name: message.name,
        schema: message.payload,
        acked: Boolean(operation.reply),
        description: operation.description || operation.summary || '',
      };
      (operation.action === 'receive'
        ? channel.clientEvents
        : channel.serverEvents
      ).push(event);
    });
    return list;
  }

  // A payload that satisfies the schema as far as a guess can: constants, first enum values, minimums.
  function example(schema, name, depth) {
    schema = resolve(schema) || {};
    if (depth > 6) return null;
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.examples) && schema.examples.length > 0)
      return schema.examples[0];
    if ('default' in schema) return schema.default;
    if (Array.isArray(schema.enum) && schema.enum.length > 0)
      return schema.enum[0];
    var variants = schema.oneOf || schema.anyOf;
    if (Array.isArray(variants) && variants.length > 0)
      return example(variants[0], name, depth + 1);
    if (Array.isArray(schema.allOf)) {
      return schema.allOf.reduce(function (merged, part) {
        var value = example(part, name, depth + 1);
        return value && typeof value === 'object' && !Array.isArray(value)
          ? Object.assign(merged, value)
          : merged;
      }, {});
    }
    var type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === 'object' || (!type && schema.properties)) {
      var value = {};
      Object.keys(schema.properties || {}).forEach(function (key) {
        value[key] = example(schema.properties[key], key, depth + 1);
      });
      return value;
    }
    if (type === 'array') {
      var items = [];
      for (var i = 0; i < (schema.minItems || 0); i++)
        items.push(example(schema.items, name, depth + 1));
      return items;
    }
    if (type === 'string') return stringExample(schema, name);
    if (type === 'integer' || type === 'number') {
      if (typeof schema.minimum === 'number') return schema.minimum;
      if (typeof schema.exclusiveMinimum === 'number')
        return schema.exclusiveMinimum + 1;
      return 0;
    }
    if (type === 'boolean') return false;
    return null;
  }

  function stringExample(schema, name) {
    var formats = {
      'date-time': new Date().toISOString(),
      date: new Date().toISOString().slice(0, 10),
      email: 'user@example.com',
      uri: 'https://example.com/',
      uuid: '00000000-0000-4000-8000-000000000000',
    };
    if (formats[schema.format]) return formats[schema.format];
    var min = schema.minLength || 0;
    var max =
      typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
    var pattern = null;
    try {
      pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : null;
    } catch {
      // A pattern JavaScript cannot compile: no sample is checked against it.
      pattern = null;
    }
    var candidates = ['example', name || '', 'a', '1'];
    for (var i = 0; i < candidates.length; i++) {
      var candidate = candidates[i];
      while (candidate.length > 0 && candidate.length < min)
        candidate += candidates[i];
      candidate = candidate.slice(0, max);
      if (candidate.length >= min && (!pattern || pattern.test(candidate)))
        return candidate;
    }
    return '';
  }

  function pretty(value) {
    if (value === undefined) return '';
    var shown = JSON.stringify(value, null, 2);
    if (shown === undefined) return String(value);
    return shown.length > SHOWN_CHARS
      ? shown.slice(0, SHOWN_CHARS) + '\n… (' + shown.length + ' characters)'
      : shown;
  }

  function channelOf(id) {
    return state.channels.filter(function (channel) {
      return channel.id === id;
    })[0];
  }

  function fillChannels() {
    state.channels.forEach(function (channel) {
      var label =
        (channel.address || channel.title + ' (dynamic)') +
        ' — ' +
        channel.clientEvents.length +
        ' client events';
      var option = text('option', '', label);
      option.value = channel.id;
      channelSelect.appendChild(option);
    });
    channelSelect.addEventListener('change', choosePath);
    choosePath();
  }

  function choosePath() {
    var channel = channelOf(channelSelect.value);
    pathInput.value = channel && channel.address ? channel.address : '/';
    document.getElementById('channel-description').textContent = channel
      ? channel.description
      : '';
  }

  function tokenFor(user) {
    if (state.settings.tokens !== 'mint') {
      var pasted = tokenInput.value.trim();
      return pasted
        ? Promise.resolve(pasted)
        : Promise.reject(new Error('Paste a token first.'));
    }
    return getJson('tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sub: user }),
    }).then(function (body) {
      return body.token;
    });
  }

  function open(channel, path, user) {
    return tokenFor(user).then(function (token) {
      state.opened += 1;
      var card = new Connection(state.opened, channel, path, user, token);
      connections.appendChild(card.root);
      if (user && userInput.value.trim() === user)
        userInput.value = NAMES[state.opened % NAMES.length];
      say(
        'Opened connection ' +
          state.opened +
          ' to ' +
          path +
          (user ? ' as ' + user : '') +
          '.',
      );
      return card;
    });
  }

  function Connection(number, channel, path, user, token) {
    var self = this;
    var root = cardTemplate.content.firstElementChild.cloneNode(true);
    this.root = root;
    this.channel = channel;
    this.log = root.querySelector('.log');
    this.stateLabel = root.querySelector('.state');
    root.dataset.connection = String(number);
    root.setAttribute('aria-label', 'Connection ' + number);
    root.querySelector('.title').textContent =
      '#' + number + ' ' + (user || 'pasted token') + ' on ' + path;
    var eventSelect = root.querySelector('.event');
    var payload = root.querySelector('.payload');
    var hint = root.querySelector('.event-hint');
    channel.clientEvents.forEach(function (event) {
      var option = text('option', '', event.name);
      option.value = event.name;
      eventSelect.appendChild(option);
    });
    var listens = channel.serverEvents
      .map(function (event) {
        return event.name;
      })
      .join(', ');
    root.querySelector('.listens').textContent = listens
      ? 'Server events: ' + listens
      : '';
    function prefill() {
      var event = self.event(eventSelect.value);
      payload.value = event ? pretty(example(event.schema, '', 0)) : '';
      payload.removeAttribute('aria-invalid');
      // The first sentence (which handler); the rest repeats how acks work for every event.
      hint.textContent = event
        ? event.description.split('. ')[0].replace(/\.?$/, '.') +
          (event.acked ? ' Acked.' : '')
        : '';
    }
    eventSelect.addEventListener('change', prefill);
    prefill();
    payload.addEventListener('keydown', function (keyEvent) {
      if (keyEvent.key === 'Enter' && (keyEvent.ctrlKey || keyEvent.metaKey)) {
        keyEvent.preventDefault();
        root.querySelector('.emit').requestSubmit();
      }
    });
    root
      .querySelector('.emit')
      .addEventListener('submit', function (submitEvent) {
        submitEvent.preventDefault();
        self.emit(eventSelect.value, payload);
      });
    root.querySelector('.clear').addEventListener('click', function () {
      self.pending = [];
      self.log.textContent = '';
    });
    root.querySelector('.close').addEventListener('click', function () {
      self.socket.disconnect();
      root.remove();
      say('Closed connection ' + number + '.');
      channelSelect.focus();
    });

    this.setState('connecting');
    var everConnected = false;
    this.socket = io(path, {
      transports: ['websocket'],
      auth: { token: token },
    });
    this.socket.on('connect', function () {
      self.setState('connected');
      self.add(
        'info',
        everConnected ? 'reconnected' : 'connected',
        null,
        'socket ' +
          self.socket.id +
          (everConnected
            ? ': a new socket is in no room; join your rooms again'
            : ''),
      );
      everConnected = true;
    });
    this.socket.on('disconnect', function (reason) {
      self.setState('disconnected');
      var retry = self.socket.active ? '; reconnecting' : '';
      self.add('info', 'disconnected', null, reason + retry);
    });
    this.socket.on('connect_error', function (error) {
      self.setState('refused');
      var hintText =
        error.message === 'websocket error'
          ? ' (is the app running, and is ' +
            location.origin +
            ' allowed by ' +
            state.settings.originsVariable +
            '?)'
          : '';
      // A first handshake refused (token, origin) fails again the same way: stop instead of retrying forever.
      var stop = !everConnected;
      if (stop) self.socket.disconnect();
      self.add(
        'problem',
        'connect_error',
        error.data || null,
        error.message +
          hintText +
          (stop ? '. Not retrying: fix it and connect again.' : ''),
      );
    });
    this.socket.onAny(function (name) {
      var data = Array.prototype.slice.call(arguments, 1);
      var value =
        data.length === 1 ? data[0] : data.length === 0 ? undefined : data;
      var note = data.length > 1 ? data.length + ' arguments' : '';
      if (value && typeof value === 'object' && value.status === 'error') {
        self.add('error', name, value, value.message, value.code);
      } else {
        self.add('event', name, value, note);
      }
    });
  }

  Connection.prototype.event = function (name) {
    return this.channel.clientEvents.filter(function (event) {
      return event.name === name;
    })[0];
  };

  Connection.prototype.setState = function (value) {
    this.stateLabel.textContent = value;
    this.root.dataset.state = value;
  };

  Connection.prototype.emit = function (name, field) {
    var self = this;
    var event = this.event(name);
    var value;
    try {
      value = field.value.trim() === '' ? undefined : JSON.parse(field.value);
      field.removeAttribute('aria-invalid');
    } catch (error) {
      field.setAttribute('aria-invalid', 'true');
      this.add(
        'problem',
        name,
        null,
        'Not sent: the payload is not JSON (' + error.message + ')',
      );
      field.focus();
      return;
    }
    if (!this.socket.connected) {
      this.add(
        'problem',
        name,
        null,
        'Not sent: this connection is not connected.',
      );
      return;
    }
    var args = value === undefined ? [] : [value];
    this.add('out', name, value, '');
    if (!event || !event.acked) {
      this.socket.emit.apply(this.socket, [name].concat(args));
      return;
    }
    var timed = this.socket.timeout(ACK_TIMEOUT_MS);
    timed.emit.apply(
      timed,
      [name].concat(args, [
        function (error, reply) {
          if (error) {
            self.add(
              'problem',
              name,
              null,
              'No ack within ' + ACK_TIMEOUT_MS / 1000 + ' s',
            );
          } else if (reply && reply.status === 'error') {
            self.add('error', name + ' ack', reply, reply.message, reply.code);
          } else {
            self.add('ack', name + ' ack', reply, '');
          }
        },
      ]),
    );
  };

  var ARROWS = {
    out: '→',
    ack: '←',
    error: '←',
    event: '←',
    info: '•',
    problem: '!',
  };

  var COMPACT_CHARS = 90;

  // One line per entry; a longer payload opens on demand (a details element works from the keyboard).
  Connection.prototype.add = function (kind, name, value, note, code) {
    var entry = text('li', 'entry kind-' + kind);
    entry.dataset.kind = kind;
    entry.dataset.event = name;
    var head = text('div', 'head');
    head.appendChild(text('span', 'arrow', ARROWS[kind]));
    head.appendChild(text('span', 'name', name));
    if (code) {
      entry.dataset.code = code;
      head.appendChild(text('span', 'code', code));
    }
    head.appendChild(text('time', 'time', new Date().toLocaleTimeString()));
    entry.appendChild(head);
    if (note) entry.appendChild(text('div', 'note', note));
    if (value !== undefined && value !== null) {
      var compact = JSON.stringify(value);
      if (compact === undefined) compact = String(value);
      if (compact.length <= COMPACT_CHARS) {
        entry.appendChild(text('code', 'body', compact));
      } else {
        var details = text('details', 'body');
        details.appendChild(
          text('summary', '', compact.slice(0, COMPACT_CHARS) + '…'),
        );
        details.appendChild(text('pre', '', pretty(value)));
        entry.appendChild(details);
      }
    }
    this.show(entry);
  };

  // Entries are added once per frame, so a burst of events costs one layout, not one each.
  Connection.prototype.show = function (entry) {
    var self = this;
    this.pending = this.pending || [];
    this.pending.push(entry);
    if (this.pending.length > LOG_LIMIT) this.pending.shift();
    if (this.frame) return;
    this.frame = requestAnimationFrame(function () {
      var batch = document.createDocumentFragment();
      self.pending.forEach(function (pendingEntry) {
        batch.appendChild(pendingEntry);
      });
      self.pending = [];
      self.frame = 0;
      self.log.appendChild(batch);
      while (self.log.children.length > LOG_LIMIT)
        self.log.removeChild(self.log.firstElementChild);
      self.log.scrollTop = self.log.scrollHeight;
    });
  };

  openForm.addEventListener('submit', function (submitEvent) {
    submitEvent.preventDefault();
    var channel = channelOf(channelSelect.value);
    if (!channel) return;
    var path = pathInput.value.trim() || '/';
    // A namespace of this app: a path, never another host.
    if (!/^\/[^\s?#]*$/.test(path)) {
      say(
        'The path is a namespace of this app, starting with / (e.g. /chat).',
        true,
      );
      pathInput.focus();
      return;
    }
    open(
      channel,
      path,
      state.settings.tokens === 'mint' ? userInput.value.trim() : '',
    ).catch(function (error) {
      say('Could not connect: ' + error.message, true);
    });
  });

  function start(doc, settings) {
    state.doc = doc;
    state.settings = settings;
    state.channels = describeChannels(doc);
    document.getElementById('app-title').textContent =
      doc.info.title + ' ' + doc.info.version;
    var minting = settings.tokens === 'mint';
    document.getElementById('mint-fields').hidden = !minting;
    document.getElementById('paste-fields').hidden = minting;
    userInput.required = minting;
    document.getElementById('paste-reason').textContent = settings.reason || '';
    if (state.channels.length === 0) {
      say(
        'This app has no WebSocket gateways yet: nest g realtime-gateway <name> adds one.',
        true,
      );
      return;
    }
    fillChannels();
    var query = new URLSearchParams(location.search);
    var wanted = query.get('namespace');
    var preset = state.channels.filter(function (channel) {
      return channel.address === wanted;
    })[0];
    if (preset) {
      channelSelect.value = preset.id;
      choosePath();
    }
    var users = (query.get('connect') || '').split(',').filter(Boolean);
    if (users.length > 0 && !minting) {
      say('Paste a token to connect: ' + settings.reason, true);
      return;
    }
    say(
      state.channels.length +
        ' namespaces from the AsyncAPI document. Open connections to try them.',
    );
    var channel = channelOf(channelSelect.value);
    users
      .reduce(function (previous, user) {
        return previous.then(function () {
          return open(channel, pathInput.value, user);
        });
      }, Promise.resolve())
      .catch(function (error) {
        say('Could not connect: ' + error.message, true);
      });
  }

  if (typeof io !== 'function') {
    say(
      'The Socket.IO client did not load from /socket.io/socket.io.min.js (is serveClient off?).',
      true,
    );
    return;
  }
  Promise.all([getJson('asyncapi.json'), getJson('settings.json')])
    .then(function (loaded) {
      start(loaded[0], loaded[1]);
    })
    .catch(function (error) {
      say('Could not load the AsyncAPI document: ' + error.message, true);
    });
})();
